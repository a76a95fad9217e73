package dev.cluster.telemetry;

import com.sun.management.GarbageCollectionNotificationInfo;

import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * The heap still in use right after each collection: the live set plus whatever the collection did
 * not reach (a young collection leaves the old generation alone). Its minimum over a report interval
 * is what a leak raises and what traffic does not, which is why the supervisor fits its trend rather
 * than the heap in use, which saws up and down with every request.
 */
final class LiveSet {
    private final Set<String> heapPools;
    private final AtomicLong minAfterGc = new AtomicLong(Long.MAX_VALUE);

    private LiveSet(Set<String> heapPools) {
        this.heapPools = heapPools;
    }

    /** Listens to every collector's notifications (the JMX notification thread calls back). */
    static LiveSet install() {
        LiveSet live = new LiveSet(ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP).map(MemoryPoolMXBean::getName).collect(Collectors.toUnmodifiableSet()));
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (gc instanceof NotificationEmitter emitter) {
                emitter.addNotificationListener((n, handback) -> live.onNotification(n), null, null);
            }
        }
        return live;
    }

    private void onNotification(Notification n) {
        if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType())) {
            return;
        }
        long used = 0;
        Map<String, MemoryUsage> after = GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData()).getGcInfo().getMemoryUsageAfterGc();
        for (Map.Entry<String, MemoryUsage> pool : after.entrySet()) {
            if (heapPools.contains(pool.getKey())) {
                used += pool.getValue().getUsed();
            }
        }
        minAfterGc.accumulateAndGet(used, Math::min);
    }

    /** The lowest heap after a collection since the last call, or -1 when none ran. */
    long takeInterval() {
        long v = minAfterGc.getAndSet(Long.MAX_VALUE);
        return v == Long.MAX_VALUE ? -1 : v;
    }
}
