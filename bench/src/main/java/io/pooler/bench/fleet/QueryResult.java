package io.pooler.bench.fleet;

import java.util.List;

/**
 * What one simple Query message got back, up to its ReadyForQuery.
 *
 * @param rows the DataRows of every statement in the query string, as text (null for NULL)
 * @param sqlState the first ErrorResponse's SQLSTATE, or null when every statement succeeded
 * @param transactionStatus ReadyForQuery's status: 'I' idle, 'T' in a transaction, 'E' in a failed one
 */
record QueryResult(List<List<String>> rows, List<String> columns, String sqlState, String errorMessage,
                   byte transactionStatus) {

    boolean failed() {
        return sqlState != null;
    }

    boolean inTransaction() {
        return transactionStatus != 'I';
    }

    /** The rows as column name to value, for the admin console's SHOW answers. */
    List<java.util.Map<String, String>> named() {
        return rows.stream().map(r -> {
            java.util.Map<String, String> m = new java.util.LinkedHashMap<>();
            for (int i = 0; i < r.size() && i < columns.size(); i++) {
                m.put(columns.get(i), r.get(i));
            }
            return m;
        }).toList();
    }
}
