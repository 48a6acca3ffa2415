package io.pooler.bench.compare;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * pgbench's four tables, made with SQL as {@code pgbench -i -I dtGvp} makes them (server-side
 * generation), so that the bench's own client can run without pgbench installed.
 */
final class PgbenchTables {
    private PgbenchTables() {
    }

    static void create(Connection connection, int scale) throws SQLException {
        connection.setAutoCommit(true);
        try (Statement st = connection.createStatement()) {
            st.execute("DROP TABLE IF EXISTS pgbench_accounts, pgbench_branches, pgbench_history, pgbench_tellers");
            st.execute("CREATE TABLE pgbench_history (tid int, bid int, aid int, delta int, mtime timestamp, filler char(22))");
            st.execute("CREATE TABLE pgbench_tellers (tid int NOT NULL, bid int, tbalance int, filler char(84)) WITH (fillfactor = 100)");
            st.execute("CREATE TABLE pgbench_accounts (aid int NOT NULL, bid int, abalance int, filler char(84)) WITH (fillfactor = 100)");
            st.execute("CREATE TABLE pgbench_branches (bid int NOT NULL, bbalance int, filler char(88)) WITH (fillfactor = 100)");
            st.execute("INSERT INTO pgbench_branches (bid, bbalance) SELECT bid, 0 FROM generate_series(1, " + scale + ") AS bid");
            st.execute("INSERT INTO pgbench_tellers (tid, bid, tbalance) SELECT tid, (tid - 1) / 10 + 1, 0"
                    + " FROM generate_series(1, " + 10 * scale + ") AS tid");
            st.execute("INSERT INTO pgbench_accounts (aid, bid, abalance, filler) SELECT aid, (aid - 1) / 100000 + 1, 0, ''"
                    + " FROM generate_series(1, " + 100_000L * scale + ") AS aid");
            st.execute("VACUUM ANALYZE pgbench_branches, pgbench_tellers, pgbench_accounts, pgbench_history");
            st.execute("ALTER TABLE pgbench_branches ADD PRIMARY KEY (bid)");
            st.execute("ALTER TABLE pgbench_tellers ADD PRIMARY KEY (tid)");
            st.execute("ALTER TABLE pgbench_accounts ADD PRIMARY KEY (aid)");
        }
    }
}
