package io.pooler.stats;

/**
 * Hears every latency a {@link PoolStats} records, on the thread that records it: the hook the metrics
 * export uses. Implementations must be cheap and thread-safe.
 */
public interface LatencyListener {
    LatencyListener NONE = new LatencyListener() {
        @Override
        public void queryDone(long nanos) {
        }

        @Override
        public void transactionDone(long nanos) {
        }

        @Override
        public void serverAssigned(long waitNanos) {
        }
    };

    void queryDone(long nanos);

    void transactionDone(long nanos);

    void serverAssigned(long waitNanos);
}
