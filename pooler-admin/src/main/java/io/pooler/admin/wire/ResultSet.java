package io.pooler.admin.wire;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A result set to send: columns and rows of values. A value is a {@link String}, a {@link Number}, a
 * {@link Boolean} (sent as 1/0, as PgBouncer's int columns), an epoch-millisecond {@link Long} in a
 * timestamp column, or null for SQL NULL.
 */
public final class ResultSet {
    private final List<Column> columns;
    private final List<Object[]> rows = new ArrayList<>();

    public ResultSet(List<Column> columns) {
        this.columns = List.copyOf(columns);
    }

    public static ResultSet of(Column... columns) {
        return new ResultSet(List.of(columns));
    }

    /** Adds a row; it must have one value per column. */
    public ResultSet row(Object... values) {
        if (values.length != columns.size()) {
            throw new IllegalArgumentException("row has " + values.length + " values for " + columns.size() + " columns");
        }
        rows.add(values.clone());
        return this;
    }

    public List<Column> columns() {
        return columns;
    }

    public List<Object[]> rows() {
        return Collections.unmodifiableList(rows);
    }
}
