package io.pooler.server.it;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reads admin console answers into plain maps, and their column names and types. */
final class AdminRows {
    private AdminRows() {
    }

    /** The rows of a SHOW, or none for a command that answers with a tag only. */
    static List<Map<String, String>> rows(Connection c, String sql) throws SQLException {
        List<Map<String, String>> rows = new ArrayList<>();
        try (Statement s = c.createStatement()) {
            if (!s.execute(sql)) {
                return rows;
            }
            ResultSet rs = s.getResultSet();
            ResultSetMetaData md = rs.getMetaData();
            while (rs.next()) {
                Map<String, String> row = new LinkedHashMap<>();
                for (int i = 1; i <= md.getColumnCount(); i++) {
                    row.put(md.getColumnName(i), rs.getString(i));
                }
                rows.add(row);
            }
        }
        return rows;
    }

    /** "name:type" per column, the type as PostgreSQL names it (text, int4, int8, numeric). */
    static List<String> columns(Connection c, String sql) throws SQLException {
        List<String> columns = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            ResultSetMetaData md = rs.getMetaData();
            for (int i = 1; i <= md.getColumnCount(); i++) {
                columns.add(md.getColumnName(i) + ":" + md.getColumnTypeName(i));
            }
        }
        return columns;
    }

    /** The row of SHOW POOLS for this database and user. */
    static Map<String, String> pool(Connection admin, String database, String user) throws SQLException {
        return rows(admin, "SHOW POOLS").stream()
                .filter(r -> r.get("database").equals(database) && r.get("user").equals(user))
                .findFirst().orElseThrow(() -> new AssertionError("no pool " + database + "/" + user));
    }

    static int intValue(Map<String, String> row, String column) {
        return Integer.parseInt(row.get(column));
    }
}
