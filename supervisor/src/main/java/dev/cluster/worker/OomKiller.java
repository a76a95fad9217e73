package dev.cluster.worker;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * The kernel's OOM killer, as the supervisor meets it: it should take a worker rather than the supervisor, and a worker it
 * took should be said to be its.
 * <p>
 * <b>Who it takes.</b> A supervisor the OOM killer takes takes every worker with it (they die with it), and nothing restarts
 * them; a worker it takes is restarted. It takes the biggest process, so usually a worker; but when a worker it has just
 * taken still holds its memory, the next allocation in the same memory cgroup (systemd's {@code MemoryMax=}, a container's
 * limit) makes it take the next biggest, and that can be the supervisor (seen here: worker, then supervisor, 4 ms apart).
 * So the supervisor lowers its own {@code oom_score_adj} to {@value #SUPERVISOR_SCORE}, as dockerd and the kubelet do, where
 * it may (root; else the systemd unit's {@code OOMScoreAdjust=} does it), and every process it starts gets back the value
 * the supervisor was started with, never below 0, through util-linux {@code choom}: a worker is never shielded. The
 * supervisor's heap, metaspace and direct memory are bounded by its JVM options, so it cannot grow to need killing.
 * <p>
 * <b>Whose death it was.</b> A worker that dies by a SIGKILL nobody here sent was most often killed by it, and that is the
 * operator's first question. The kernel names its victim only in its log, which needs a privilege to read ({@code dmesg});
 * what anyone can read is its count of OOM kills ({@code oom_kill} in /proc/vmstat, Linux 4.13+). So the count is read
 * every second on the loop (tens of microseconds), and a SIGKILL death that comes while it rose within the last one or two
 * seconds is said to be likely the OOM killer's. Another process killed by it in the same moment would be taken for the
 * worker: hence "likely".
 */
public final class OomKiller {
    private static final Logger log = LoggerFactory.getLogger(OomKiller.class);
    private static final Path VMSTAT = Path.of("/proc/vmstat");
    private static final Path OWN_SCORE = Path.of("/proc/self/oom_score_adj");
    private static final Path CHOOM = Path.of("/usr/bin/choom");
    /** Taken after every other process of the cgroup or machine, yet not immune (-1000) if nothing else is left. */
    public static final int SUPERVISOR_SCORE = -999;
    static final long READ_EVERY_MS = 1_000;

    private final Loop loop;
    private final LongSupplier count;
    /** The count one reading before the latest: a death is judged against it, so a rise just before the latest reading counts. */
    private long before;
    private long latest;

    OomKiller(Loop loop) {
        this(loop, OomKiller::readVmstat);
    }

    /** @param count the kernel's count of OOM kills so far, or -1 where it cannot be read (then nothing is ever said) */
    OomKiller(Loop loop, LongSupplier count) {
        this.loop = loop;
        this.count = count;
        before = latest = count.getAsLong();
        if (latest >= 0) {
            loop.schedule(this::read, READ_EVERY_MS);
        }
    }

    private void read() {
        before = latest;
        latest = count.getAsLong();
        loop.schedule(this::read, READ_EVERY_MS);
    }

    /** Whether it killed a process in the last one or two seconds. */
    boolean justNow() {
        return before >= 0 && count.getAsLong() > before;
    }

    /**
     * Lowers the supervisor's own score where it may (see above), once, as it starts. Returns what goes before the command
     * line of every process it starts so that that gets the score the supervisor was started with (at least 0). Without
     * {@code choom} the supervisor keeps no shield, and drops one it was started with, so that no worker inherits it.
     */
    static List<String> shieldSupervisor() {
        int started = ownScore();
        if (started == Integer.MIN_VALUE) {
            return List.of(); // no /proc: nothing to do
        }
        boolean choom = Files.isExecutable(CHOOM);
        int wanted = choom ? SUPERVISOR_SCORE : Math.max(started, 0);
        if (started != wanted) {
            setOwnScore(wanted);
        }
        int own = ownScore();
        int workers = Math.max(started, 0);
        if (own == SUPERVISOR_SCORE) {
            log.info("oom_score_adj {}: the OOM killer takes any worker before the supervisor; its workers get {}", own, workers);
        } else if (choom) {
            log.info("oom_score_adj stays {} (lowering it needs root with CAP_SYS_RESOURCE, or the systemd unit of 'cluster startup systemd'):"
                    + " under memory pressure the OOM killer may take the supervisor, and every worker with it", own);
        } else if (own < 0) {
            log.warn("started with oom_score_adj {}, which its workers inherit, and /usr/bin/choom (util-linux 2.33+) is missing to give them 0", own);
        }
        return unshield(own, workers, choom);
    }

    /** What goes before a command line so that its process runs at {@code workers} where the supervisor runs at {@code own}. */
    static List<String> unshield(int own, int workers, boolean choom) {
        return own == workers || !choom ? List.of() : List.of(CHOOM.toString(), "-n", Integer.toString(workers), "--");
    }

    private static int ownScore() {
        try {
            return Integer.parseInt(Files.readString(OWN_SCORE).trim());
        } catch (IOException | NumberFormatException e) {
            return Integer.MIN_VALUE;
        }
    }

    private static void setOwnScore(int score) {
        try {
            Files.writeString(OWN_SCORE, Integer.toString(score));
        } catch (IOException e) {
            // EACCES: lowering it needs a privilege; what it is now is read back
        }
    }

    private static long readVmstat() {
        try {
            for (String line : Files.readAllLines(VMSTAT)) {
                if (line.startsWith("oom_kill ")) {
                    return Long.parseLong(line.substring("oom_kill ".length()).trim());
                }
            }
        } catch (IOException | NumberFormatException e) {
            // not Linux, or /proc not mounted: nothing to tell
        }
        return -1;
    }
}
