package io.pooler.server.it;

import io.pooler.testing.PostgresInstance;

import java.sql.SQLException;

/** The roles and database the end-to-end tests log in with, created once per JVM. */
public final class TestRoles {
    public static final String DB = "itdb";
    public static final String SCRAM_USER = "it_scram";
    public static final String SCRAM_PASSWORD = "scram-secret";
    public static final String MD5_USER = "it_md5";
    public static final String MD5_PASSWORD = "md5-secret";
    /**
     * A role for tests whose pg_hba admits it by client certificate only (created by such a test: the usual
     * pg_hba lets it in with its password, as any role).
     */
    public static final String CERT_USER = "it_cert";

    private static boolean created;

    private TestRoles() {
    }

    static synchronized void ensure(PostgresInstance pg) throws SQLException {
        if (created) {
            return;
        }
        pg.createRole(SCRAM_USER, SCRAM_PASSWORD, "scram-sha-256");
        pg.createRole(MD5_USER, MD5_PASSWORD, "md5");
        pg.createDatabase(DB, SCRAM_USER);
        created = true;
    }
}
