package io.pooler.server;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 10: the session code ({@code client}, {@code backend}) receives its collaborators in its
 * constructors and knows neither the bootstrap ({@link PoolerServer}, {@link PoolerWiring}) nor the admin
 * console's code; what it needs of the admin side comes through narrow interfaces of its own
 * ({@code Suspension}, {@code DisabledDatabases}, {@code Console}, {@code PoolWatcher}).
 *
 * <p>Reads the sources rather than the class files: a constant such as a {@code static final String} is
 * inlined by javac and leaves no trace in the class that uses it, while any use of a class of another
 * package must name it in the source, by an import or its qualified name.
 */
class SessionDependenciesTest {
    private static final Path SOURCES = Path.of("src/main/java/io/pooler/server");
    private static final List<String> SESSION_PACKAGES = List.of("client", "backend");
    /** Qualified names the session code must not mention; the removed service locator among them. */
    private static final List<String> FORBIDDEN = List.of("io.pooler.server.admin.", "io.pooler.server.admin;",
            "io.pooler.server.PoolerServer", "io.pooler.server.PoolerWiring", "io.pooler.server.PoolerRuntime",
            "io.pooler.server.*");

    @Test
    void sessionCodeDependsOnNeitherTheBootstrapNorTheAdminCode() throws IOException {
        List<String> violations = new ArrayList<>();
        int files = 0;
        for (String pkg : SESSION_PACKAGES) {
            Path dir = SOURCES.resolve(pkg);
            assertTrue(Files.isDirectory(dir), dir.toAbsolutePath() + " not found: the test must run in pooler-server");
            try (Stream<Path> sources = Files.walk(dir)) {
                for (Path file : sources.filter(f -> f.toString().endsWith(".java")).toList()) {
                    files++;
                    violations.addAll(violations(SOURCES.relativize(file).toString(), Files.readAllLines(file)));
                }
            }
        }
        assertTrue(files > 30, "only " + files + " session sources found");
        assertEquals(List.of(), violations);
    }

    /** The checker itself: an import, a wildcard and a qualified name in code are each caught. */
    @Test
    void theCheckCatchesImportsAndQualifiedNames() {
        List<String> found = violations("client/Example.java", List.of(
                "package io.pooler.server.client;",
                "import io.pooler.server.admin.AdminState;",
                "import io.pooler.server.*;",
                "import io.pooler.server.RuntimeConfig;",
                "    private final io.pooler.server.PoolerServer server = null;",
                "    boolean console = \"pgbouncer\".equals(io.pooler.server.admin.ConsoleSession.DATABASE);"));
        assertEquals(4, found.size(), found.toString());
    }

    private static List<String> violations(String file, List<String> lines) {
        List<String> found = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            for (String name : FORBIDDEN) {
                if (line.contains(name)) {
                    found.add(file + ":" + (i + 1) + ": " + line.strip());
                    break;
                }
            }
        }
        return found;
    }
}
