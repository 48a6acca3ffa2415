package io.pooler.server.fuzz;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/** The counts of SHOW LISTS and SHOW POOLS that must come back to where they started after hostile clients. */
final class AdminCounts {
    /** Per pool, the client and server counts that mean someone is connected or something is in flight. */
    static final String[] BUSY_POOL_COLUMNS = {"cl_active", "cl_waiting", "cl_active_cancel_req",
            "cl_waiting_cancel_req", "sv_active", "sv_active_cancel", "sv_being_canceled", "sv_login"};

    private AdminCounts() {
    }

    /** SHOW LISTS: list name to items. */
    static Map<String, Long> lists(Connection admin) throws SQLException {
        Map<String, Long> lists = new LinkedHashMap<>();
        try (Statement s = admin.createStatement(); ResultSet rs = s.executeQuery("SHOW LISTS")) {
            while (rs.next()) {
                lists.put(rs.getString("list"), rs.getLong("items"));
            }
        }
        return lists;
    }

    /** SHOW POOLS: "database/user" to the {@link #BUSY_POOL_COLUMNS} that are present. */
    static Map<String, Map<String, Long>> busyPools(Connection admin) throws SQLException {
        Map<String, Map<String, Long>> pools = new TreeMap<>();
        try (Statement s = admin.createStatement(); ResultSet rs = s.executeQuery("SHOW POOLS")) {
            ResultSetMetaData md = rs.getMetaData();
            while (rs.next()) {
                Map<String, Long> counts = new LinkedHashMap<>();
                for (int i = 1; i <= md.getColumnCount(); i++) {
                    for (String column : BUSY_POOL_COLUMNS) {
                        if (column.equals(md.getColumnName(i))) {
                            counts.put(column, rs.getLong(i));
                        }
                    }
                }
                pools.put(rs.getString("database") + "/" + rs.getString("user"), counts);
            }
        }
        return pools;
    }

    /**
     * SHOW SERVERS and SHOW CLIENTS, every row with its column names: what a failed count check prints,
     * so that a connection left behind is named with its state, link and age.
     */
    static String connections(Connection admin) throws SQLException {
        StringBuilder out = new StringBuilder();
        for (String command : new String[] {"SHOW SERVERS", "SHOW CLIENTS"}) {
            out.append(command).append(":\n");
            try (Statement s = admin.createStatement(); ResultSet rs = s.executeQuery(command)) {
                ResultSetMetaData md = rs.getMetaData();
                while (rs.next()) {
                    out.append(' ');
                    for (int i = 1; i <= md.getColumnCount(); i++) {
                        out.append(' ').append(md.getColumnName(i)).append('=').append(rs.getString(i));
                    }
                    out.append('\n');
                }
            }
        }
        return out.toString();
    }
}
