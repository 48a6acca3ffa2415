package io.pooler.server.it;

import io.pooler.testing.PostgresInstance;

/**
 * {@link BatchesAgainstPostgresTest}'s sequences in session pooling with every message streamed to the
 * server unchanged ({@code max_prepared_statements = 0}): the client's names are the server's, and only
 * the server's response tracker follows each batch (FrontendRelay.expectAnswer), to count the Queries
 * PostgreSQL skips behind an error. The answers must be PostgreSQL's, message for message, and the next
 * client (the same server, after server_reset_query) must find none of the sender's statements.
 *
 * <p>It passes on the code before that tracker followed streamed batches too (4955f65): a skipped Query
 * miscounted there kept a server only in transaction pooling, where QueryInsideABatchTest shows it; in
 * session pooling the client keeps its server anyway. This class checks that session pooling relays every
 * batch as PostgreSQL answers it, which nothing else compared message for message.
 */
@PoolerTest
class BatchesAgainstPostgresInSessionPoolingTest extends BatchesAgainstPostgresTest {
    BatchesAgainstPostgresInSessionPoolingTest(PostgresInstance pg, PoolerFixture pooler) {
        super(pg, pooler);
        pooler.set("pool_mode", "session").set("max_prepared_statements", "0"); // over the transaction pooling set there
    }
}
