package io.pooler.admin.wire;

/** One result column: its name and type. */
public record Column(String name, ColumnType type) {

    public static Column text(String name) {
        return new Column(name, ColumnType.TEXT);
    }

    public static Column int4(String name) {
        return new Column(name, ColumnType.INT4);
    }

    public static Column int8(String name) {
        return new Column(name, ColumnType.INT8);
    }

    public static Column numeric(String name) {
        return new Column(name, ColumnType.NUMERIC);
    }

    public static Column timestamp(String name) {
        return new Column(name, ColumnType.TIMESTAMP);
    }
}
