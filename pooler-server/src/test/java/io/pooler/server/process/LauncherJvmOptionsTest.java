package io.pooler.server.process;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher script's JVM options (README.md, "Sizing the JVM"): its defaults, POOLER_JAVA_OPTS after
 * them, and a collector chosen there replacing the Serial one.
 */
@Timeout(60)
class LauncherJvmOptionsTest {
    private static final Path LAUNCHER = Path.of("src/main/dist/pooler");
    private static final long MB = 1024 * 1024;

    @TempDir
    Path temp;

    @Test
    void startsWithABoundedSerialHeap() throws Exception {
        String out = run(Map.of());
        assertTrue(out.contains("collectors Copy,MarkSweepCompact"), out);
        for (String option : new String[] {"-XX:+UseSerialGC", "-Xms16m", "-Xmx256m", "-Xmn8m",
                "-XX:-ShrinkHeapInSteps", "-XX:TrimNativeHeapInterval=5000", "-XX:+ExitOnOutOfMemoryError"}) {
            assertTrue(out.contains(option), option + " in " + out);
        }
        assertTrue(maxHeap(out) <= 256 * MB, out);
        assertTrue(out.contains("MALLOC_ARENA_MAX=2"), out);
    }

    @Test
    void poolerJavaOptsComeLastAndMayChooseAnotherCollector() throws Exception {
        String out = run(Map.of("POOLER_JAVA_OPTS", "-XX:+UseG1GC -Xmx512m", "MALLOC_ARENA_MAX", "4"));
        assertTrue(out.contains("collectors G1 Young Generation,G1 Old Generation"), out);
        assertFalse(out.contains("-XX:+UseSerialGC"), "the Serial collector's option left out: " + out);
        assertTrue(maxHeap(out) > 256 * MB, "the later -Xmx512m wins: " + out);
        assertTrue(out.contains("MALLOC_ARENA_MAX=4"), out);
    }

    /** TrimNativeHeapInterval came with 17.0.9; an older JDK would refuse to start with it. */
    @Test
    void leavesNativeHeapTrimmingOutOnJdksBeforeIt() throws Exception {
        assertFalse(runOnFakeJdk("17.0.8").contains("TrimNativeHeapInterval"));
        assertFalse(runOnFakeJdk("17.0.8.1").contains("TrimNativeHeapInterval"));
        assertTrue(runOnFakeJdk("17.0.9").contains("-XX:TrimNativeHeapInterval=5000"));
        assertTrue(runOnFakeJdk("21.0.5").contains("-XX:TrimNativeHeapInterval=5000"));
    }

    /** A JAVA_HOME whose release file says {@code version} and whose java prints its arguments. */
    private String runOnFakeJdk(String version) throws IOException, InterruptedException {
        Path home = Files.createDirectories(temp.resolve("jdk-" + version));
        Path java = Files.createDirectories(home.resolve("bin")).resolve("java");
        Files.writeString(java, "#!/bin/sh\necho \"$@\"\n");
        assertTrue(java.toFile().setExecutable(true));
        Files.writeString(home.resolve("release"), "IMPLEMENTOR=\"test\"\nJAVA_VERSION=\"" + version + "\"\n");
        ProcessBuilder builder = new ProcessBuilder("sh", LAUNCHER.toString()).redirectErrorStream(true);
        builder.environment().put("JAVA_HOME", home.toString());
        builder.environment().put("POOLER_JAR", Files.writeString(temp.resolve("empty.jar"), "").toString());
        builder.environment().remove("POOLER_JAVA_OPTS");
        Process process = builder.start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(30, TimeUnit.SECONDS) && process.exitValue() == 0, out);
        assertTrue(out.contains("-Xmx256m"), out);
        return out;
    }

    private String run(Map<String, String> extra) throws IOException, InterruptedException {
        Map<String, String> env = new HashMap<>(Map.of("POOLER_JAVA_OPTS", ""));
        env.putAll(extra);
        env.put("POOLER_JAR", ProbeJar.write(temp, JvmOptionsProbeMain.class).toString());
        env.put("JAVA_HOME", System.getProperty("java.home"));
        try (ChildJvm probe = ChildJvm.start(java.util.List.of("sh", LAUNCHER.toString()), env)) {
            return probe.await("done");
        }
    }

    private static long maxHeap(String out) {
        int at = out.indexOf("max heap ") + "max heap ".length();
        return Long.parseLong(out.substring(at, out.indexOf('\n', at)).trim());
    }
}
