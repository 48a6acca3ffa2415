package io.pooler.bench.compare;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A JVM's live objects by class, from {@code jcmd PID GC.class_histogram} (which runs a full collection
 * first), and what grew between two of them.
 */
final class HeapHistogram {
    private static final long JCMD_TIMEOUT_SECONDS = 120;

    /** Instances and bytes of one class. */
    record Entry(String className, long instances, long bytes) {
    }

    private final Map<String, Entry> byClass;

    private HeapHistogram(Map<String, Entry> byClass) {
        this.byClass = byClass;
    }

    /** Runs jcmd against {@code pid}, keeps its output in {@code file}, and parses it. */
    static HeapHistogram take(long pid, Path file) throws IOException, InterruptedException {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid), "GC.class_histogram")
                .redirectErrorStream(true).redirectOutput(file.toFile()).start();
        if (!p.waitFor(JCMD_TIMEOUT_SECONDS, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IOException("jcmd " + pid + " GC.class_histogram failed; see " + file);
        }
        return parse(Files.readString(file));
    }

    /** Lines such as {@code "   1:    12345    678900  java.lang.String (java.base@17.0.15)"}. */
    static HeapHistogram parse(String text) {
        Map<String, Entry> entries = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 4 && f[0].endsWith(":") && f[0].length() > 1 && Character.isDigit(f[0].charAt(0))) {
                entries.put(f[3], new Entry(f[3], Long.parseLong(f[1]), Long.parseLong(f[2])));
            }
        }
        return new HeapHistogram(entries);
    }

    long totalBytes() {
        return byClass.values().stream().mapToLong(Entry::bytes).sum();
    }

    /** The classes whose bytes grew most from {@code before} to this one, largest first. */
    List<Entry> growthSince(HeapHistogram before, int top) {
        List<Entry> growth = new ArrayList<>();
        for (Entry e : byClass.values()) {
            Entry old = before.byClass.getOrDefault(e.className(), new Entry(e.className(), 0, 0));
            if (e.bytes() > old.bytes()) {
                growth.add(new Entry(e.className(), e.instances() - old.instances(), e.bytes() - old.bytes()));
            }
        }
        growth.sort(Comparator.comparingLong(Entry::bytes).reversed());
        return growth.subList(0, Math.min(top, growth.size()));
    }

    /** The growth as a table per client: bytes and instances per client, class. */
    static String renderPerClient(HeapHistogram before, HeapHistogram after, int clients, int top) {
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT,
                "Live heap: %.1f MB before, %.1f MB with the clients: %.0f bytes per client. Largest growth per client:%n",
                before.totalBytes() / 1048576.0, after.totalBytes() / 1048576.0,
                (after.totalBytes() - before.totalBytes()) / (double) clients));
        out.append(String.format(Locale.ROOT, "  %8s %10s  %s%n", "bytes", "instances", "class"));
        for (Entry e : after.growthSince(before, top)) {
            out.append(String.format(Locale.ROOT, "  %8.0f %10.2f  %s%n", e.bytes() / (double) clients,
                    e.instances() / (double) clients, e.className()));
        }
        return out.toString();
    }
}
