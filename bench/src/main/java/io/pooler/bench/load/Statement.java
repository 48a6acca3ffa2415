package io.pooler.bench.load;

import java.util.Arrays;

/**
 * One statement of a transaction script: SQL with {@code $1..$n} placeholders, and for each
 * placeholder the index of the transaction's drawn value that fills it.
 */
public record Statement(String sql, int[] valueIndexes) {

    public Statement {
        valueIndexes = valueIndexes.clone();
    }

    public int parameterCount() {
        return valueIndexes.length;
    }

    public long parameter(int placeholder, long[] values) {
        return values[valueIndexes[placeholder]];
    }

    /**
     * The SQL with the values written in, for the simple protocol. Placeholders are replaced from the
     * highest number down so that {@code $1} never eats the start of {@code $12}.
     */
    public String render(long[] values) {
        String text = sql;
        for (int i = valueIndexes.length; i >= 1; i--) {
            text = text.replace("$" + i, Long.toString(values[valueIndexes[i - 1]]));
        }
        return text;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Statement s && s.sql.equals(sql) && Arrays.equals(s.valueIndexes, valueIndexes);
    }

    @Override
    public int hashCode() {
        return sql.hashCode() * 31 + Arrays.hashCode(valueIndexes);
    }

    @Override
    public String toString() {
        return sql;
    }
}
