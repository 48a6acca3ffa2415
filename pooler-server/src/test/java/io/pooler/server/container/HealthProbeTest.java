package io.pooler.server.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pooler.server.it.PoolerFixture;
import io.pooler.testing.PostgresExtension;
import io.pooler.testing.PostgresInstance;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The exec probe of the container image, against a real pooler and against the failures it must catch. */
@ExtendWith(PostgresExtension.class)
class HealthProbeTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(2);

    private final PostgresInstance pg;

    HealthProbeTest(PostgresInstance pg) {
        this.pg = pg;
    }

    @Test
    void aRunningPoolerIsHealthy() throws Exception {
        try (PoolerFixture pooler = new PoolerFixture(pg).start()) {
            assertEquals(Optional.empty(), HealthProbe.check(new InetSocketAddress("127.0.0.1", pooler.port()), TIMEOUT));
        }
    }

    @Test
    void nothingListeningIsUnhealthy() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        assertTrue(HealthProbe.check(new InetSocketAddress("127.0.0.1", port), TIMEOUT).isPresent());
    }

    /**
     * The case a TCP probe misses: the kernel completes the handshake into the listen backlog, but nobody
     * accepts or answers, as with a process whose event loops are stuck.
     */
    @Test
    void aListenerThatNeverAnswersIsUnhealthyWithinTheTimeout() throws Exception {
        try (ServerSocket stuck = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            long start = System.nanoTime();
            Optional<String> problem = HealthProbe.check(new InetSocketAddress("127.0.0.1", stuck.getLocalPort()), TIMEOUT);
            long seconds = Duration.ofNanos(System.nanoTime() - start).toSeconds();
            assertTrue(problem.isPresent());
            assertTrue(problem.get().contains("timed out"), problem.get());
            assertTrue(seconds < 10, "gave up after " + seconds + " s");
        }
    }
}
