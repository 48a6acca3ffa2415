package io.pooler.server;

import io.pooler.auth.PlainScramVerifiers;
import io.pooler.auth.ScramServerExchange;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 9, item 6: the SCRAM verifiers of plain-text userlist passwords are derived when the userlist is
 * loaded, at start and on reload, so that no login runs PBKDF2 and a plain-text user's failed login
 * takes as long as an unknown user's. No PostgreSQL is needed: nothing here reaches a server.
 */
class ScramVerifierWarmingTest {

    @Test
    void plainTextPasswordsAreDerivedAtStartAndOnReload() throws Exception {
        Path dir = Files.createTempDirectory("scram-warm-");
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Files.writeString(dir.resolve("pooler.ini"), String.join("\n", "[databases]", "* = host=127.0.0.1 port=1",
                "[pgbouncer]", "listen_addr = 127.0.0.1", "listen_port = " + port, "unix_socket_dir =",
                "auth_type = scram-sha-256", "auth_file = userlist.txt", "scram_iterations = 1000", ""));
        Files.writeString(dir.resolve("userlist.txt"), "\"warm_alice\" \"alice-secret\"\n");
        PoolerServer server = PoolerServer.start(dir.resolve("pooler.ini"));
        try {
            byte[] processSecret = server.processSecret();
            PlainScramVerifiers verifiers = PlainScramVerifiers.shared();
            assertTrue(verifiers.isDerived("alice-secret", ScramServerExchange.userSalt("warm_alice", processSecret), 1000),
                    "derived at start");

            Files.writeString(dir.resolve("userlist.txt"), "\"warm_alice\" \"alice-secret\"\n\"warm_bob\" \"bob-secret\"\n");
            assertEquals(java.util.Optional.empty(), server.reload());
            assertTrue(verifiers.isDerived("bob-secret", ScramServerExchange.userSalt("warm_bob", processSecret), 1000),
                    "derived on reload, before any login");
        } finally {
            server.close();
        }
    }
}
