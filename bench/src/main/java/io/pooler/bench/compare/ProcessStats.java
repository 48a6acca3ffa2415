package io.pooler.bench.compare;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * CPU time and resident memory of one process, from /proc: what a pooler costs, measured from outside
 * and the same way for every pooler.
 */
public final class ProcessStats {
    /** USER_HZ: the unit of utime and stime. 100 on every Linux the bench runs on; see proc(5). */
    private static final double CLOCK_TICKS_PER_SECOND = 100;
    /** Fields of /proc/PID/stat, counted from 1, after the command name in parentheses (field 2). */
    private static final int SESSION_FIELD = 6;
    private static final int UTIME_FIELD = 14;
    private static final int STIME_FIELD = 15;

    private ProcessStats() {
    }

    /** User plus system CPU seconds of all the process's threads so far. */
    public static double cpuSeconds(long pid) throws IOException {
        return parseCpuSeconds(Files.readString(Path.of("/proc", Long.toString(pid), "stat")));
    }

    /**
     * CPU ticks so far of each of the JVM's JIT compiler threads ("C1 CompilerThread0", "C2 ..."; the
     * kernel keeps 15 characters of a thread's name), by thread id; empty for a process that is not a JVM.
     */
    public static Map<Long, Long> compilerTicks(long pid) throws IOException {
        Map<Long, Long> ticks = new HashMap<>();
        Path tasks = Path.of("/proc", Long.toString(pid), "task");
        try (Stream<Path> threads = Files.list(tasks)) {
            for (Path thread : (Iterable<Path>) threads::iterator) {
                try {
                    if (isCompilerThread(Files.readString(thread.resolve("comm")))) {
                        String stat = Files.readString(thread.resolve("stat"));
                        ticks.put(Long.parseLong(thread.getFileName().toString()),
                                statField(stat, UTIME_FIELD) + statField(stat, STIME_FIELD));
                    }
                } catch (NoSuchFileException ended) {
                    // the thread ended between the listing and the read
                }
            }
        }
        return ticks;
    }

    /**
     * CPU seconds the compiler threads used between two {@link #compilerTicks} samples. The JVM ends a
     * compiler thread that stays idle (all but the first of each kind), and what such a thread used
     * before it ended is lost from the second sample: a lower bound.
     */
    public static double compilerSecondsBetween(Map<Long, Long> before, Map<Long, Long> after) {
        long ticks = 0;
        for (Map.Entry<Long, Long> e : after.entrySet()) {
            ticks += e.getValue() - before.getOrDefault(e.getKey(), 0L);
        }
        return ticks / CLOCK_TICKS_PER_SECOND;
    }

    static boolean isCompilerThread(String comm) {
        return comm.startsWith("C1 CompilerThre") || comm.startsWith("C2 CompilerThre");
    }

    /** The process's session id: its own pid when it leads a session of its own (setsid). */
    public static long sessionId(long pid) throws IOException {
        return parseSessionId(Files.readString(Path.of("/proc", Long.toString(pid), "stat")));
    }

    /** Resident set size in bytes (VmRSS). */
    public static long rssBytes(long pid) throws IOException {
        return parseRssBytes(Files.readString(Path.of("/proc", Long.toString(pid), "status")));
    }

    /** Open file descriptors: sockets, listeners, epoll and event fds, jars, logs. */
    public static long openFiles(long pid) throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            return fds.count();
        }
    }

    static double parseCpuSeconds(String stat) {
        long ticks = statField(stat, UTIME_FIELD) + statField(stat, STIME_FIELD);
        return ticks / CLOCK_TICKS_PER_SECOND;
    }

    static long parseSessionId(String stat) {
        return statField(stat, SESSION_FIELD);
    }

    /** Numeric field {@code field} (counted from 1, as proc(5) does) of a /proc/PID/stat line; 3 or more. */
    private static long statField(String stat, int field) {
        // The command name (field 2) may hold spaces and parentheses; the fields after its last ')' are plain.
        String[] fromThird = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
        return Long.parseLong(fromThird[field - 3]);
    }

    static long parseRssBytes(String status) {
        for (String line : status.split("\n")) {
            if (line.startsWith("VmRSS:")) {
                String[] parts = line.substring("VmRSS:".length()).trim().split("\\s+");
                return Long.parseLong(parts[0]) * 1024; // always in kB
            }
        }
        throw new IllegalArgumentException("no VmRSS line in /proc/PID/status");
    }
}
