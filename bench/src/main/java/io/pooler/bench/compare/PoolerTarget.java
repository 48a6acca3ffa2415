package io.pooler.bench.compare;

import io.pooler.Version;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Pooler as its own JVM, started the way users start it: the launcher script
 * ({@code pooler-server/src/main/dist/pooler}) with {@code POOLER_JAR} and {@code POOLER_JAVA_OPTS}, so
 * that the bench measures the launcher's JVM options. Without a jar (the test suite runs before
 * packaging) the same main class runs from this process's class path, with the given options only.
 */
public final class PoolerTarget extends ProcessTarget {
    /** The JFR recording's file name, in the scenario's directory. */
    static final String PROFILE = "pooler.jfr";
    private final Path jar;
    private final Path launcher;
    private final List<String> javaOptions;
    private final boolean jfr;
    private final List<String> settings;
    private final String key;
    /** What tells this Pooler from another in the same run, after its name; empty when it is the only one. */
    private final String variant;

    public PoolerTarget(Path workDir, Backend backend, Path jar, Path launcher, List<String> javaOptions, boolean jfr,
                        List<String> settings) {
        this(workDir, backend, jar, launcher, javaOptions, jfr, settings, "pooler", "");
    }

    /**
     * A Pooler under its own target key (its own directory, row and curve), for two configurations of
     * Pooler alternating in one run; {@code variant} is appended to its name.
     */
    public PoolerTarget(Path workDir, Backend backend, Path jar, Path launcher, List<String> javaOptions, boolean jfr,
                        List<String> settings, String key, String variant) {
        super(workDir, backend);
        this.key = key;
        this.variant = variant;
        this.jar = jar;
        this.launcher = launcher;
        this.javaOptions = List.copyOf(javaOptions);
        this.jfr = jfr;
        this.settings = List.copyOf(settings);
    }

    @Override
    protected String extraSettings() {
        StringBuilder lines = new StringBuilder();
        settings.forEach(s -> lines.append(s.replaceFirst("=", " = ")).append('\n'));
        return lines.toString();
    }

    @Override
    public String key() {
        return key;
    }

    @Override
    public String name() {
        return "Pooler " + Version.NUMBER + variant; // Version.STRING leads with the PgBouncer version it matches
    }

    private boolean viaLauncher() {
        return jar != null && Files.isRegularFile(jar) && launcher != null && Files.isExecutable(launcher);
    }

    @Override
    protected List<String> command(Path configFile) throws IOException {
        if (viaLauncher()) {
            return List.of(launcher.toAbsolutePath().toString(), configFile.toString());
        }
        List<String> command = new ArrayList<>();
        command.add(javaBinary());
        command.addAll(jvmOptions(configFile));
        if (jar != null && Files.isRegularFile(jar)) {
            command.addAll(List.of("-jar", jar.toAbsolutePath().toString()));
        } else {
            command.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.pooler.server.Main"));
        }
        command.add(configFile.toString());
        return command;
    }

    @Override
    protected Map<String, String> environment(Path configFile) throws IOException {
        if (!viaLauncher()) {
            return Map.of();
        }
        // The launcher puts POOLER_JAVA_OPTS after its own options, so these extend or override them.
        return Map.of("JAVA_HOME", System.getProperty("java.home"),
                "POOLER_JAR", jar.toAbsolutePath().toString(),
                "POOLER_JAVA_OPTS", String.join(" ", jvmOptions(configFile)));
    }

    /** The bench's JVM options: logging at INFO, the caller's options, the JFR recording. */
    private List<String> jvmOptions(Path configFile) throws IOException {
        List<String> options = new ArrayList<>();
        // INFO, as PgBouncer logs by default; without a configuration logback logs everything at DEBUG.
        options.add("-Dlogback.configurationFile=" + writeLogbackConfig(configFile.getParent()));
        options.addAll(javaOptions);
        if (jfr) {
            // The profile settings sample stacks every 10 ms (20 ms by default); written when the process stops.
            options.add("-XX:StartFlightRecording=settings=profile,dumponexit=true,filename="
                    + configFile.resolveSibling(PROFILE));
        }
        return options;
    }

    private static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static Path writeLogbackConfig(Path dir) throws IOException {
        Path file = dir.resolve("logback.xml");
        Files.writeString(file, """
                <configuration>
                  <appender name="console" class="ch.qos.logback.core.ConsoleAppender">
                    <encoder><pattern>%d{HH:mm:ss.SSS} [%thread] %-5level %logger{0} - %msg%n</pattern></encoder>
                  </appender>
                  <root level="INFO"><appender-ref ref="console"/></root>
                </configuration>
                """);
        return file;
    }

    /** Where the command runs Pooler from, for the results. */
    public String launchDescription() {
        String how = viaLauncher() ? launcher + " (the launcher script, its JVM options) with POOLER_JAR=" + jar
                : jar != null && Files.isRegularFile(jar) ? "java -jar " + jar
                : "java -cp <bench class path> io.pooler.server.Main";
        return how + (javaOptions.isEmpty() ? "" : (viaLauncher() ? ", POOLER_JAVA_OPTS=" : " with ") + String.join(" ", javaOptions))
                + (settings.isEmpty() ? "" : "; also " + String.join(", ", settings));
    }
}
