package io.pooler.bench;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * {@code hotspots}: where a JFR recording's CPU samples fall, by method (self and total) and by
 * package, so a missed target comes with where the time goes.
 */
@Command(name = "hotspots", mixinStandardHelpOptions = true,
        description = "Summarizes the execution samples of a JFR recording (e.g. a compare run with --pooler-jfr).")
final class HotspotsCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "The .jfr file.")
    Path recording;
    @Option(names = "--top", defaultValue = "25")
    int top;
    @Option(names = "--thread", description = "Only threads whose name starts with this (e.g. pooler).")
    String threadPrefix;
    @Option(names = "--native", description = "Samples of threads in native code (jdk.NativeMethodSample: system calls, "
            + "epoll) rather than in Java code.")
    boolean nativeSamples;

    @Override
    public Integer call() throws Exception {
        Map<String, Integer> self = new HashMap<>();
        Map<String, Integer> total = new HashMap<>();
        Map<String, Integer> packages = new HashMap<>();
        int samples = 0;
        for (RecordedEvent event : RecordingFile.readAllEvents(recording)) {
            if (!event.getEventType().getName().equals(nativeSamples ? "jdk.NativeMethodSample" : "jdk.ExecutionSample")) {
                continue;
            }
            String thread = event.getThread("sampledThread") == null ? "" : event.getThread("sampledThread").getJavaName();
            if (threadPrefix != null && (thread == null || !thread.startsWith(threadPrefix))) {
                continue;
            }
            RecordedStackTrace stack = event.getStackTrace();
            if (stack == null || stack.getFrames().isEmpty()) {
                continue;
            }
            samples++;
            List<RecordedFrame> frames = stack.getFrames();
            String topFrame = name(frames.get(0));
            self.merge(topFrame, 1, Integer::sum);
            packages.merge(packageOf(frames.get(0)), 1, Integer::sum);
            Set<String> seen = new HashSet<>();
            for (RecordedFrame frame : frames) {
                String name = name(frame);
                if (seen.add(name)) {
                    total.merge(name, 1, Integer::sum);
                }
            }
        }
        System.out.println(samples + (nativeSamples ? " native method samples" : " execution samples") + (threadPrefix != null ? " on threads " + threadPrefix + "*" : ""));
        print("Self time by method", self, samples);
        print("Self time by package", packages, samples);
        print("Total time by method (on the stack)", total, samples);
        return 0;
    }

    private void print(String title, Map<String, Integer> counts, int samples) {
        System.out.println();
        System.out.println(title + ":");
        counts.entrySet().stream()
                .sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
                .limit(top)
                .forEach(e -> System.out.printf("  %5.1f%%  %s%n", 100.0 * e.getValue() / Math.max(1, samples), e.getKey()));
    }

    private static String name(RecordedFrame frame) {
        return frame.getMethod().getType().getName() + "." + frame.getMethod().getName();
    }

    private static String packageOf(RecordedFrame frame) {
        String type = frame.getMethod().getType().getName();
        int dot = type.lastIndexOf('.');
        return dot < 0 ? type : type.substring(0, dot);
    }
}
