package io.pooler.server.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.pooler.config.ConfigLoader;
import io.pooler.config.LoadedConfig;
import io.pooler.testing.PostgresExtension;
import io.pooler.testing.PostgresInstance;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The container image that {@code mvn -Pimage package} wrote (target/pooler-image.tar), checked without a
 * container engine. It runs only in the image profile's verify phase (its name ends in ImageCheck, which the
 * default test runs do not pick up), since building the image takes about a minute.
 *
 * <p>The config: a numeric non-root user, the launcher script's JVM options and signal setting, the usual
 * config path, ports 6432 and 9127. The files: a runtime that needs nothing from the host, the user in
 * /etc/passwd, a writable /tmp, a default config that loads without warnings, the classes the Kubernetes
 * manifests call. And, as root (CI is), the image run for real: its layers unpacked, its entrypoint started
 * as its user in a chroot with fresh mount and PID namespaces (Pooler is PID 1, as in a container), a
 * PgJDBC client served through it, then the manifests' init command, probe and preStop hook run inside it.
 */
@ExtendWith(PostgresExtension.class)
class ContainerImageCheck {
    private static final String USER = "it_image";
    private static final String PASSWORD = "image-secret";
    private static final String UID = "10001";
    private static final Path LAUNCHER = Path.of("src", "main", "dist", "pooler");
    private static final long STEP_SECONDS = 60;

    private static OciImage image;

    private final PostgresInstance pg;

    ContainerImageCheck(PostgresInstance pg) {
        this.pg = pg;
    }

    @BeforeAll
    static void readImage(@TempDir Path blobs) throws IOException {
        String tarball = System.getProperty("pooler.image.tar");
        assertTrue(tarball != null && Files.isRegularFile(Path.of(tarball)),
                "no image tarball at " + tarball + ": run mvn -Pimage verify (the package phase builds it)");
        image = OciImage.read(Path.of(tarball), blobs);
    }

    @Test
    void runsAsANumericNonRootUserThatTheImageKnows() {
        String user = image.config().get("User").asString();
        assertEquals(UID + ":" + UID, user);
        assertTrue(image.file("/etc/passwd").text().contains("pooler:x:" + UID + ":" + UID + ":"),
                image.file("/etc/passwd").text());
        assertTrue(image.file("/etc/group").text().contains("pooler:x:" + UID + ":"));
    }

    /** The entrypoint is the launcher script's exec line, with Jib's class path for -jar. */
    @Test
    void theEntrypointTakesTheLauncherScriptsJvmOptionsAndSignals() throws IOException {
        String script = Files.readString(LAUNCHER);
        Matcher exec = Pattern.compile("(?m)^exec \"\\$java\" (.*) \\$gc_opts \\$memory_opts \\$\\{POOLER_JAVA_OPTS:-} -jar \"\\$jar\" \"\\$@\"$")
                .matcher(script);
        assertTrue(exec.find(), "the launcher's exec line changed: update the image's entrypoint and this check");
        List<String> expected = new ArrayList<>(List.of("/opt/java/bin/java"));
        expected.addAll(Arrays.asList(exec.group(1).split(" ")));
        expected.addAll(Arrays.asList(assignment(script, "gc_opts").split(" ")));
        expected.addAll(Arrays.asList(assignment(script, "memory_opts").split(" ")));
        expected.addAll(List.of("-cp", "@/app/jib-classpath-file", "io.pooler.server.Main"));
        assertEquals(expected, OciImage.strings(image.config().get("Entrypoint")));
        assertEquals(List.of("/etc/pgbouncer/pgbouncer.ini"), OciImage.strings(image.config().get("Cmd")));

        Matcher signum = Pattern.compile("_JAVA_SR_SIGNUM=\\$\\{_JAVA_SR_SIGNUM:-(\\d+)}").matcher(script);
        assertTrue(signum.find(), "the launcher no longer sets _JAVA_SR_SIGNUM");
        Map<String, String> env = image.env();
        assertEquals(signum.group(1), env.get("_JAVA_SR_SIGNUM"));
        assertEquals("/opt/java/bin", env.get("PATH"));
        Matcher arenas = Pattern.compile("MALLOC_ARENA_MAX=\\$\\{MALLOC_ARENA_MAX:-(\\d+)}").matcher(script);
        assertTrue(arenas.find(), "the launcher no longer sets MALLOC_ARENA_MAX");
        assertEquals(arenas.group(1), env.get("MALLOC_ARENA_MAX"));
        assertEquals("C.UTF-8", env.get("LANG"));
        assertTrue(image.has("/usr/lib/locale/C.utf8/LC_CTYPE"), "LANG names a locale the image has");
    }

    @Test
    void exposesThePoolerAndMetricsPorts() {
        Set<String> ports = new TreeSet<>();
        ports.addAll(image.config().get("ExposedPorts").propertyNames());
        assertEquals(Set.of("6432/tcp", "9127/tcp"), ports);
    }

    @Test
    void carriesItsOwnRuntimeAndAWritableTmp() {
        assertEquals(0755, image.file("/opt/java/bin/java").mode() & 0777);
        assertEquals(01777, image.file("/tmp").mode());
        String loader = image.architecture().equals("arm64") ? "/lib/ld-linux-aarch64.so.1" : "/lib64/ld-linux-x86-64.so.2";
        assertTrue(image.has(loader), "the dynamic loader the runtime was linked with");
        assertTrue(image.file("/opt/java/lib/security/cacerts").entry().getSize() > 10_000, "CA certificates for server TLS");
        assertFalse(image.has("/opt/java/lib/libawt.so"), "no desktop module");
    }

    @Test
    void everyClassPathEntryAndEveryCommandTheManifestsRunIsThere() {
        String classPath = image.file("/app/jib-classpath-file").text().strip();
        for (String entry : classPath.split(":")) {
            assertTrue(image.has(entry), "class path entry " + entry);
        }
        for (List<String> command : List.of(ContainerCommands.PEER_ID, ContainerCommands.HEALTH_PROBE, ContainerCommands.PRE_STOP)) {
            String mainClass = command.get(command.indexOf("-cp") + 2);
            assertTrue(image.has("/app/classes/" + mainClass.replace('.', '/') + ".class"), mainClass);
        }
    }

    @Test
    void theDefaultConfigurationLoadsWithoutWarnings(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("pgbouncer.ini"), image.file("/etc/pgbouncer/pgbouncer.ini").text());
        LoadedConfig loaded = ConfigLoader.load(dir.resolve("pgbouncer.ini"));
        assertEquals(List.of(), loaded.warnings());
        assertEquals(6432, loaded.config().settings().listenPort());
        assertEquals(Path.of("/etc/pgbouncer/userlist.txt"), loaded.config().settings().authFile().orElseThrow());
        assertTrue(image.has("/etc/pgbouncer/userlist.txt"));
    }

    @Test
    void runsInAChrootAsItsUserServesClientsAndDrainsOnThePreStopHook(@TempDir Path dir) throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")),
                "running the image needs root (chroot, namespaces); the checks of its files above ran anyway");
        for (String tool : List.of("tar", "unshare", "chroot", "nsenter")) {
            assertTrue(onPath(tool), tool + " is missing (util-linux, coreutils)");
        }
        Path rootfs = unpack(dir.resolve("rootfs"));
        pg.createRole(USER, PASSWORD, "scram-sha-256");
        int port = freePort();
        Files.writeString(rootfs.resolve("etc/hosts"), "127.0.0.1 localhost\n"); // the container runtime's job
        Files.writeString(rootfs.resolve("etc/pgbouncer/userlist.txt"), "\"" + USER + "\" \"" + PASSWORD + "\"\n");
        Files.writeString(rootfs.resolve("etc/pgbouncer/pgbouncer.ini"), String.join("\n",
                "[databases]",
                "* = host=127.0.0.1 port=" + pg.port(),
                "[pgbouncer]",
                "listen_addr = 127.0.0.1",
                "listen_port = " + port,
                "unix_socket_dir = /tmp",
                "auth_type = scram-sha-256",
                "auth_file = /etc/pgbouncer/userlist.txt",
                "ignore_startup_parameters = extra_float_digits",
                "%include /run/pooler/peer_id.ini",
                ""));
        Path peerDir = Files.createDirectories(rootfs.resolve("run/pooler")); // an emptyDir in Kubernetes
        Files.setAttribute(peerDir, "unix:uid", Integer.parseInt(UID));

        Output init = run(isolated(rootfs, ContainerCommands.PEER_ID), Map.of("POD_NAME", "pooler-2"));
        assertEquals(0, init.awaitExit(), init.text());
        assertEquals(PeerIdFile.contents("pooler-2"), Files.readString(peerDir.resolve("peer_id.ini")));

        Output pooler = run(isolated(rootfs, entrypoint()), Map.of());
        try {
            pooler.await("listening on 127.0.0.1:" + port);
            pooler.await(" event loop"); // Netty's native transport loaded from the image's /tmp:
            assertFalse(pooler.text().contains("(nio)"), pooler.text());
            assertEquals(42, queryThrough(port));
            long poolerPid = pooler.process.children().findFirst().orElseThrow().pid(); // PID 1 inside

            Output probe = run(inContainer(poolerPid, withPort(ContainerCommands.HEALTH_PROBE, port)), Map.of());
            assertEquals(0, probe.awaitExit(), probe.text());

            Output preStop = run(inContainer(poolerPid, ContainerCommands.PRE_STOP), Map.of());
            pooler.await("shutdown requested (WAIT_FOR_SERVERS)");
            assertEquals(0, pooler.awaitExit(), pooler.text());
            assertTrue(pooler.text().contains("shutdown complete"), pooler.text());
            // As in a pod: the hook is still waiting when PID 1 exits, and goes down with its namespace.
            assertNotEquals(1, preStop.awaitExit(), preStop.text());
            for (String line : pooler.text().split("\n")) {
                if (line.contains(" WARNING ") && !line.contains("peer_id")) {
                    fail("unexpected warning from the image:\n" + pooler.text());
                }
            }
        } finally {
            pooler.process.descendants().forEach(ProcessHandle::destroyForcibly);
            pooler.process.destroyForcibly();
        }
    }

    /** The value of {@code name="..."} in the launcher script. */
    private static String assignment(String script, String name) {
        Matcher m = Pattern.compile("(?m)^" + name + "=\"([^\"]*)\"$").matcher(script);
        assertTrue(m.find(), "the launcher no longer sets " + name);
        return m.group(1);
    }

    private Path unpack(Path rootfs) throws IOException, InterruptedException {
        Files.createDirectories(rootfs);
        for (Path layer : image.layers()) {
            Output tar = run(List.of("tar", "--extract", "--gzip", "--same-owner", "--same-permissions", "--warning=no-unknown-keyword",
                    "--file", layer.toString(), "--directory", rootfs.toString()), Map.of());
            assertEquals(0, tar.awaitExit(), tar.text());
        }
        Files.createDirectories(rootfs.resolve("proc"));
        return rootfs;
    }

    private static List<String> entrypoint() {
        List<String> command = new ArrayList<>(OciImage.strings(image.config().get("Entrypoint")));
        command.addAll(OciImage.strings(image.config().get("Cmd")));
        return command;
    }

    /**
     * As a container runtime starts a container: fresh mount and PID namespaces with their own /proc (the
     * JVM's launcher finds its libraries through /proc/self/exe), then {@code chroot} as the image's user;
     * "java" is found through the image's PATH.
     */
    private static List<String> isolated(Path rootfs, List<String> command) {
        List<String> full = new ArrayList<>(List.of("unshare", "--mount", "--pid", "--fork",
                "--mount-proc=" + rootfs.resolve("proc"), "chroot", "--userspec=" + UID + ":" + UID, rootfs.toString()));
        full.addAll(command);
        return full;
    }

    /** As {@code kubectl exec}: in the pooler's PID and mount namespaces and root, as its user. */
    private static List<String> inContainer(long pid, List<String> command) {
        List<String> full = new ArrayList<>(List.of("nsenter", "--target", Long.toString(pid), "--pid", "--mount",
                "--root", "--wd", "--setuid", UID, "--setgid", UID));
        full.addAll(command);
        return full;
    }

    private static List<String> withPort(List<String> probe, int port) {
        List<String> command = new ArrayList<>(probe);
        command.set(command.indexOf("6432"), Integer.toString(port));
        return command;
    }

    private static int queryThrough(int port) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", USER);
        p.setProperty("password", PASSWORD);
        p.setProperty("connectTimeout", "20");
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", p);
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("select 40 + 2")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /** Starts {@code command} with the image's environment (nothing of this JVM's) plus {@code extra}. */
    private static Output run(List<String> command, Map<String, String> extra) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().clear();
        builder.environment().putAll(image.env());
        builder.environment().put("PATH", image.env().get("PATH") + ":/usr/sbin:/usr/bin:/sbin:/bin");
        builder.environment().putAll(extra);
        return new Output(builder.start());
    }

    private static boolean onPath(String tool) {
        for (String dir : List.of("/usr/sbin", "/usr/bin", "/sbin", "/bin")) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** A started process and what it prints, collected as it comes. */
    private static final class Output {
        final Process process;
        private final StringBuffer text = new StringBuffer();

        Output(Process process) {
            this.process = process;
            Thread reader = new Thread(() -> {
                byte[] buffer = new byte[4096];
                try (InputStream in = process.getInputStream()) {
                    for (int n; (n = in.read(buffer)) > 0; ) {
                        text.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
                    }
                } catch (IOException e) {
                    text.append("[reading output failed: ").append(e).append("]");
                }
            });
            reader.setDaemon(true);
            reader.start();
        }

        String text() {
            return text.toString();
        }

        void await(String line) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(STEP_SECONDS);
            while (text.indexOf(line) < 0) {
                if (!process.isAlive()) {
                    Thread.sleep(200); // let the reader take the last lines
                    if (text.indexOf(line) >= 0) {
                        return;
                    }
                    fail("exited with " + process.exitValue() + " before printing '" + line + "':\n" + text());
                }
                if (System.nanoTime() > deadline) {
                    fail("no '" + line + "' within " + STEP_SECONDS + " s:\n" + text());
                }
                Thread.sleep(50); // the poll of a deadline loop that also fails early when the process dies
            }
        }

        int awaitExit() throws InterruptedException {
            if (!process.waitFor(STEP_SECONDS, TimeUnit.SECONDS)) {
                fail("still running after " + STEP_SECONDS + " s:\n" + text());
            }
            return process.exitValue();
        }
    }
}
