package io.pooler.testing;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.PortBinding;
import com.github.dockerjava.api.model.Ports;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.PostgreSQLContainer;
import org.testcontainers.images.builder.Transferable;
import org.testcontainers.utility.DockerImageName;

/** PostgreSQL in a Testcontainers container, for machines with a Docker engine. */
final class ContainerPostgres extends JdbcPostgresInstance {

    private static final Logger log = LoggerFactory.getLogger(ContainerPostgres.class);

    // The same major version as the zonky binaries, so both backends behave alike.
    private static final DockerImageName IMAGE = DockerImageName.parse("postgres:17-alpine");
    private static final int CONTAINER_PORT = 5432;
    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(60);

    private final PostgreSQLContainer<?> container;
    private final String host;
    private final int port;
    private boolean running;

    private ContainerPostgres(PostgreSQLContainer<?> container, String host, int port) {
        this.container = container;
        this.host = host;
        this.port = port;
    }

    static ContainerPostgres start(int requestedPort) throws IOException {
        String dockerHost = DockerClientFactory.instance().dockerHostIpAddress();
        boolean local = "localhost".equals(dockerHost) || "127.0.0.1".equals(dockerHost);
        String host = local ? "127.0.0.1" : dockerHost;
        // A fixed host port (not Docker's random one) so that a stopped and started container keeps it.
        int port = requestedPort != 0 ? requestedPort : freePort();
        PortBinding binding = new PortBinding(Ports.Binding.bindIpAndPort(local ? "127.0.0.1" : "0.0.0.0", port),
                ExposedPort.tcp(CONTAINER_PORT));
        @SuppressWarnings("resource") // closed by the shutdown hook
        PostgreSQLContainer<?> container = new PostgreSQLContainer<>(IMAGE)
                .withUsername(ServerSettings.SUPERUSER)
                .withPassword(ServerSettings.SUPERUSER_PASSWORD)
                .withDatabaseName("postgres")
                // The image writes "host all all all <method>" into pg_hba; md5 as for local servers.
                .withEnv("POSTGRES_HOST_AUTH_METHOD", "md5")
                .withCommand(serverCommand())
                .withStartupTimeout(STARTUP_TIMEOUT)
                .withCreateContainerCmdModifier(cmd -> cmd.getHostConfig().withPortBindings(binding));
        container.start();
        ContainerPostgres server = new ContainerPostgres(container, host, port);
        server.running = true;
        Runtime.getRuntime().addShutdownHook(new Thread(container::stop, "pooler-postgres-container-stopper"));
        server.awaitAcceptingConnections(STARTUP_TIMEOUT);
        log.info("PostgreSQL container {} started on {}:{}", container.getContainerId(), host, port);
        return server;
    }

    @Override
    public String host() {
        return host;
    }

    @Override
    public int port() {
        return port;
    }

    @Override
    public Optional<Path> unixSocketDir() {
        return Optional.empty();
    }

    @Override
    public synchronized void start() throws IOException {
        if (running) {
            return;
        }
        docker().startContainerCmd(container.getContainerId()).exec();
        running = true;
        awaitAcceptingConnections(STARTUP_TIMEOUT);
    }

    @Override
    public synchronized void stop() {
        if (!running) {
            return;
        }
        // Stop, not Testcontainers' stop(), which also removes the container and its data.
        docker().stopContainerCmd(container.getContainerId()).withTimeout(30).exec();
        running = false;
    }

    @Override
    public synchronized void restart() throws IOException {
        stop();
        start();
    }

    @Override
    public String installServerFile(String name, String content) throws IOException {
        String path = "/var/lib/postgresql/" + name;
        container.copyFileToContainer(Transferable.of(content.getBytes(StandardCharsets.US_ASCII), 0600), path);
        try {
            // Copied files belong to root; the server runs as postgres and wants its key to itself.
            container.execInContainer("chown", "postgres:postgres", path);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while installing " + name, e);
        }
        return path;
    }

    @Override
    public String serverLog() {
        return container.getLogs();
    }

    @Override
    String diagnostics() {
        return "container " + container.getContainerId() + " (see `docker logs " + container.getContainerId() + "`)";
    }

    @Override
    public String toString() {
        return "PostgreSQL container on " + host + ":" + port;
    }

    private DockerClient docker() {
        return container.getDockerClient();
    }

    private static String[] serverCommand() {
        List<String> command = new ArrayList<>(List.of("postgres"));
        for (Map.Entry<String, String> setting : ServerSettings.common().entrySet()) {
            command.add("-c");
            command.add(setting.getKey() + "=" + setting.getValue());
        }
        return command.toArray(String[]::new);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return socket.getLocalPort();
        }
    }
}
