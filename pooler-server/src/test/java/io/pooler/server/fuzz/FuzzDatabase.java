package io.pooler.server.fuzz;

import io.pooler.testing.PostgresInstance;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The roles and database the hostile-input tests use, made once per JVM: an "app" role stored as SCRAM
 * and one stored as md5, their database, and a table {@code pwned} that must stay empty. Every statement
 * run in that database is logged ({@code log_statement = all}), so a test can look in PostgreSQL's log
 * for what an unauthenticated client tried to run.
 */
final class FuzzDatabase {
    static final String DB = "fuzzdb";
    static final String APP_USER = "fuzz_app";
    static final String APP_PASSWORD = "fuzz-app-secret";
    static final String MD5_USER = "fuzz_md5";
    static final String MD5_PASSWORD = "fuzz-md5-secret";

    private static boolean created;

    private FuzzDatabase() {
    }

    static synchronized void ensure(PostgresInstance pg) throws SQLException {
        if (created) {
            return;
        }
        pg.createRole(APP_USER, APP_PASSWORD, "scram-sha-256");
        pg.createRole(MD5_USER, MD5_PASSWORD, "md5");
        pg.createDatabase(DB, APP_USER);
        try (Connection c = pg.connectAsSuperuser(DB); Statement s = c.createStatement()) {
            s.execute("create table if not exists pwned (x int)");
            s.execute("grant all on pwned to public");
            // log_statement is for superusers to set; a database setting reaches every session in it.
            s.execute("alter database " + DB + " set log_statement = 'all'");
            // A mutated query can ask for anything: nothing may run long, or hold a session idle in a transaction.
            s.execute("alter database " + DB + " set statement_timeout = '5s'");
            s.execute("alter database " + DB + " set idle_in_transaction_session_timeout = '10s'");
        }
        created = true;
    }

    /** Empties {@code pwned} before a test. */
    static void clearPwned(PostgresInstance pg) throws SQLException {
        try (Connection c = pg.connectAsSuperuser(DB); Statement s = c.createStatement()) {
            s.execute("truncate pwned");
        }
    }

    static long pwnedRows(PostgresInstance pg) throws SQLException {
        try (Connection c = pg.connectAsSuperuser(DB); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("select count(*) from pwned")) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
