package io.pooler.bench.fleet;

import io.pooler.testing.PostgresInstance;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The fleet's PostgreSQL side: the odoo role with the kit's own SCRAM verifier (so conf/odoo/userlist.txt
 * works as shipped), one business database per host with the few tables the traffic touches, and
 * enough max_connections.
 */
final class FleetSchema {
    static final String ROLE = "odoo";
    /** odoo.conf's db_password; its verifier is the one in conf/odoo/userlist.txt. */
    static final String PASSWORD = "odoo-example-only";

    private FleetSchema() {
    }

    /** Creates the role and the databases, dropping the fleet's databases of an earlier run first. */
    static void create(PostgresInstance pg, FleetShape shape, String kitVerifier) throws SQLException {
        try (Connection c = pg.connectAsSuperuser("postgres"); Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT 1 FROM pg_roles WHERE rolname = '" + ROLE + "'")) {
                if (!rs.next()) {
                    st.execute("CREATE ROLE " + ROLE + " LOGIN");
                }
            }
            st.execute("ALTER ROLE " + ROLE + " PASSWORD '" + kitVerifier.replace("'", "''") + "'");
            try (ResultSet rs = st.executeQuery("SELECT datname FROM pg_database WHERE datname LIKE '"
                    + FleetShape.DATABASE_PREFIX + "%'")) {
                java.util.List<String> old = new java.util.ArrayList<>();
                while (rs.next()) {
                    old.add(rs.getString(1));
                }
                for (String db : old) {
                    st.execute("DROP DATABASE \"" + db + "\" WITH (FORCE)");
                }
            }
            String template = shape.databases().get(0);
            st.execute("CREATE DATABASE " + template + " OWNER " + ROLE);
            try (Connection t = pg.connectAsSuperuser(template); Statement ts = t.createStatement()) {
                ts.execute("SET ROLE " + ROLE);
                ts.execute("CREATE TABLE res_partner (id int PRIMARY KEY, name text NOT NULL, counter int NOT NULL DEFAULT 0,"
                        + " write_date timestamp)");
                ts.execute("INSERT INTO res_partner (id, name) SELECT g, 'partner ' || g FROM generate_series(1, "
                        + OdooTraffic.PARTNERS + ") g");
                ts.execute("CREATE TABLE ir_sequence (id int PRIMARY KEY, number_next int NOT NULL DEFAULT 1)");
                ts.execute("INSERT INTO ir_sequence (id) SELECT generate_series(1, " + OdooTraffic.SEQUENCES + ")");
                ts.execute("CREATE TABLE ir_cron (id int PRIMARY KEY, lastcall timestamp)");
                ts.execute("INSERT INTO ir_cron (id) SELECT generate_series(1, " + Math.max(1, shape.crons()) + ")");
                ts.execute("CREATE TABLE bus_bus (id bigserial PRIMARY KEY, channel text NOT NULL, message text NOT NULL,"
                        + " create_date timestamp NOT NULL DEFAULT now())");
                ts.execute("VACUUM ANALYZE");
            }
            for (String db : shape.databases().subList(1, shape.hosts())) {
                st.execute("CREATE DATABASE " + db + " OWNER " + ROLE + " TEMPLATE " + template);
            }
        }
    }

    /** Restarts PostgreSQL with {@code needed} max_connections when it has fewer. */
    static void ensureConnections(PostgresInstance pg, int needed) throws Exception {
        try (Connection c = pg.connectAsSuperuser("postgres"); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SHOW max_connections")) {
            rs.next();
            if (rs.getInt(1) >= needed) {
                return;
            }
            st.execute("ALTER SYSTEM SET max_connections = " + needed);
        }
        pg.restart();
    }

    /** Server connections of the odoo role in pg_stat_activity: in all, and to postgres alone. */
    static int[] serverConnections(Connection superuser) throws SQLException {
        try (Statement st = superuser.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT count(*), count(*) FILTER (WHERE datname = 'postgres') FROM pg_stat_activity WHERE usename = '"
                        + ROLE + "'")) {
            rs.next();
            return new int[] {rs.getInt(1), rs.getInt(2)};
        }
    }
}
