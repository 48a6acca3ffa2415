package io.pooler.bench.load;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TransactionScriptTest {

    @Test
    void writesTheValuesIntoTheSqlForTheSimpleProtocol() {
        Statement insert = TransactionScript.tpcbLike(1).statements().get(5);

        String sql = insert.render(new long[] {7, 1, 3, -250});

        assertEquals("INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (3, 1, 7, -250, CURRENT_TIMESTAMP)", sql);
    }

    @Test
    void doesNotConfuseDollarOneWithDollarTwelve() {
        int[] indexes = new int[12];
        for (int i = 0; i < 12; i++) {
            indexes[i] = i;
        }
        long[] values = {10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120};

        assertEquals("120 10", new Statement("$12 $1", indexes).render(values));
    }

    @Test
    void drawsWithinPgbenchsTableSizes() {
        TransactionScript script = TransactionScript.tpcbLike(3);
        SplittableRandom random = new SplittableRandom(1);
        for (int i = 0; i < 10_000; i++) {
            long[] v = script.draw(random);
            assertTrue(v[0] >= 1 && v[0] <= 300_000, "aid " + v[0]);
            assertTrue(v[1] >= 1 && v[1] <= 3, "bid " + v[1]);
            assertTrue(v[2] >= 1 && v[2] <= 30, "tid " + v[2]);
            assertTrue(v[3] >= -5000 && v[3] <= 5000, "delta " + v[3]);
        }
    }

    @Test
    void runsPgbenchsStatementsInOrder() {
        assertEquals(1, TransactionScript.selectOnly(1).statements().size());
        assertEquals(7, TransactionScript.tpcbLike(1).statements().size());
        assertEquals("BEGIN", TransactionScript.tpcbLike(1).statements().get(0).sql());
        assertEquals("END", TransactionScript.tpcbLike(1).statements().get(6).sql());
    }
}
