package io.pooler.bench.compare;

import io.pooler.Version;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Pooler as its own JVM: {@code java [options] -jar pooler.jar CONFIG}, or, when there is no jar (the
 * test suite runs before packaging), the same main class from this process's class path.
 */
final class PoolerTarget extends ProcessTarget {
    /** The JFR recording's file name, in the scenario's directory. */
    static final String PROFILE = "pooler.jfr";
    private final Path jar;
    private final List<String> javaOptions;
    private final boolean jfr;

    PoolerTarget(Path workDir, Backend backend, Path jar, List<String> javaOptions, boolean jfr) {
        super(workDir, backend);
        this.jar = jar;
        this.javaOptions = List.copyOf(javaOptions);
        this.jfr = jfr;
    }

    @Override
    public String key() {
        return "pooler";
    }

    @Override
    public String name() {
        return Version.STRING;
    }

    @Override
    protected List<String> command(Path configFile) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
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

    /** Where the command runs Pooler from, for the results. */
    String launchDescription() {
        return (jar != null && Files.isRegularFile(jar) ? "java -jar " + jar : "java -cp <bench class path> io.pooler.server.Main")
                + (javaOptions.isEmpty() ? "" : " with " + String.join(" ", javaOptions));
    }
}
