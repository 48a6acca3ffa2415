package io.pooler.bench.compare;

import io.pooler.Version;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Pooler as its own JVM: {@code java [options] -jar pooler.jar CONFIG}, or, when there is no jar (the
 * test suite runs before packaging), the same main class from this process's class path.
 */
public final class PoolerTarget extends ProcessTarget {
    /** The JFR recording's file name, in the scenario's directory. */
    static final String PROFILE = "pooler.jfr";
    private final Path jar;
    private final List<String> javaOptions;
    private final boolean jfr;
    private final List<String> settings;

    public PoolerTarget(Path workDir, Backend backend, Path jar, List<String> javaOptions, boolean jfr, List<String> settings) {
        super(workDir, backend);
        this.jar = jar;
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
        return "pooler";
    }

    @Override
    public String name() {
        return "Pooler " + Version.NUMBER; // Version.STRING leads with the PgBouncer version it matches
    }

    @Override
    protected List<String> command(Path configFile) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // INFO, as PgBouncer logs by default; without a configuration logback logs everything at DEBUG.
        command.add("-Dlogback.configurationFile=" + writeLogbackConfig(configFile.getParent()));
        command.addAll(javaOptions);
        if (jfr) {
            // The profile settings sample stacks every 10 ms (20 ms by default); written when the process stops.
            command.add("-XX:StartFlightRecording=settings=profile,dumponexit=true,filename="
                    + configFile.resolveSibling(PROFILE));
        }
        if (jar != null && Files.isRegularFile(jar)) {
            command.addAll(List.of("-jar", jar.toAbsolutePath().toString()));
        } else {
            command.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.pooler.server.Main"));
        }
        command.add(configFile.toString());
        return command;
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
        return (jar != null && Files.isRegularFile(jar) ? "java -jar " + jar : "java -cp <bench class path> io.pooler.server.Main")
                + (javaOptions.isEmpty() ? "" : " with " + String.join(" ", javaOptions))
                + (settings.isEmpty() ? "" : "; also " + String.join(", ", settings));
    }
}
