package dev.cluster.telemetry;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;

/**
 * How long one thread has waited for a processor while runnable (Linux's schedstat run delay): what tells a loop
 * held off the CPU by other processes from one held by its own code, whose stack then blames the wrong frame. A
 * stopped or paused thread (SIGSTOP, a safepoint) is not waiting for a processor and does not count.
 */
final class CpuWait implements AutoCloseable {
    /** Null where the kernel has no such file (not Linux, no CONFIG_SCHED_INFO): then nothing is known. */
    private final RandomAccessFile file;
    private final byte[] buffer = new byte[96];

    private CpuWait(RandomAccessFile file) {
        this.file = file;
    }

    /** The calling thread's: /proc/thread-self names the thread that opens it. A file kept open: a read costs ~1 µs. */
    static CpuWait ofCurrentThread() {
        try {
            // Not a FileChannel: an interrupt of the loop's thread would close it.
            return new CpuWait(new RandomAccessFile("/proc/thread-self/schedstat", "r"));
        } catch (IOException | SecurityException e) {
            return new CpuWait(null);
        }
    }

    /** The thread's total wait so far, in ns; -1 if unknown. */
    long nanos() {
        if (file == null) {
            return -1;
        }
        try {
            file.seek(0);
            int n = file.read(buffer);
            return n <= 0 ? -1 : parse(new String(buffer, 0, n, StandardCharsets.US_ASCII));
        } catch (IOException e) {
            return -1;
        }
    }

    /** schedstat is "run_ns wait_ns timeslices": the second number. */
    static long parse(String schedstat) {
        String[] fields = schedstat.trim().split(" ");
        try {
            return fields.length >= 2 ? Long.parseLong(fields[1]) : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    @Override
    public void close() {
        try {
            if (file != null) {
                file.close();
            }
        } catch (IOException e) {
            // nothing was written
        }
    }
}
