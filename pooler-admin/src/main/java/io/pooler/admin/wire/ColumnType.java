package io.pooler.admin.wire;

/**
 * The column types of the admin console's result sets, with the type OIDs and lengths PgBouncer sends in
 * RowDescription, so drivers decode the columns as they do against PgBouncer.
 */
public enum ColumnType {
    TEXT(25, -1),
    INT4(23, 4),
    INT8(20, 8),
    NUMERIC(1700, -1),
    /** PgBouncer sends timestamps as text, formatted {@code YYYY-MM-DD HH:MM:SS TZ} in local time. */
    TIMESTAMP(25, -1);

    private final int oid;
    private final int length;

    ColumnType(int oid, int length) {
        this.oid = oid;
        this.length = length;
    }

    public int oid() {
        return oid;
    }

    public int length() {
        return length;
    }
}
