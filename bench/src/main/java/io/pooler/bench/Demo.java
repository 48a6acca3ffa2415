package io.pooler.bench;

import io.pooler.server.PoolerServer;
import io.pooler.testing.Postgres;
import io.pooler.testing.PostgresInstance;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The quick start: a throwaway PostgreSQL (the same real binaries the tests use) with a SCRAM user,
 * and Pooler in front of it on 127.0.0.1:6432, configured from a PgBouncer-style ini, so a newcomer
 * can {@code psql} through it at once. Ctrl-C stops both.
 */
public final class Demo {
    static final String USER = "demo";
    static final String PASSWORD = "demo";
    static final String DATABASE = "demo";

    private Demo() {
    }

    public static void run(int port) throws Exception {
        System.out.println("Starting a throwaway PostgreSQL...");
        PostgresInstance pg = Postgres.startThrowaway(0);
        pg.createRole(USER, PASSWORD, "scram-sha-256");
        pg.createDatabase(DATABASE, USER);

        Path dir = Files.createTempDirectory("pooler-demo-");
        // The userlist holds PostgreSQL's own SCRAM verifier: Pooler logs in with the client's keys.
        Files.writeString(dir.resolve("userlist.txt"),
                "\"" + USER + "\" \"" + pg.storedPassword(USER) + "\"\n");
        Files.writeString(dir.resolve("pooler.ini"), String.join("\n",
                "[databases]",
                "* = host=" + pg.host() + " port=" + pg.port(),
                "",
                "[pgbouncer]",
                "listen_addr = 127.0.0.1",
                "listen_port = " + port,
                "unix_socket_dir =",
                "auth_type = scram-sha-256",
                "auth_file = userlist.txt",
                "pool_mode = transaction",
                "default_pool_size = 20",
                "max_client_conn = 1000",
                "admin_users = " + USER,
                "ignore_startup_parameters = extra_float_digits",
                ""));
        PoolerServer server = PoolerServer.start(dir.resolve("pooler.ini"));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.shutdownImmediate();
            try {
                pg.stop();
            } catch (Exception e) {
                System.err.println("stopping PostgreSQL: " + e.getMessage());
            }
        }, "demo-shutdown"));

        System.out.println();
        System.out.println("Pooler is running in front of PostgreSQL " + pg.host() + ":" + pg.port() + ".");
        System.out.println("Config: " + dir.resolve("pooler.ini"));
        System.out.println();
        System.out.println("  PGPASSWORD=" + PASSWORD + " psql -h 127.0.0.1 -p " + port + " -U " + USER + " " + DATABASE);
        System.out.println("  jdbc:postgresql://127.0.0.1:" + port + "/" + DATABASE + "?user=" + USER + "&password=" + PASSWORD);
        System.out.println();
        System.out.println("Press Ctrl-C to stop.");
        server.terminated().join();
    }
}
