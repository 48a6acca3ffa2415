package io.pooler.server.it;

import org.junit.jupiter.api.AfterEach;

import java.util.Map;

/**
 * {@link ClientChaosUnderChurn} with the servers' statement caches allowed 16 bytes (ServerStatements):
 * the chaos's one prepared statement does not fit even alone, so the server that prepares it first is
 * over the budget and reset (DISCARD ALL) before its next client, every time, and the statement is
 * prepared again wherever it runs next; meanwhile clients cancel, vanish, die with their sessions and
 * the pool is resized. Nobody may see an error or a wrong answer for it, and the pool's counts must
 * come out right.
 */
@PoolerTest
class ServerStatementBudgetChaosTest extends ClientChaosUnderChurn {
    private static final String BUDGET_PROPERTY = "pooler.prepared.maxServerBytes";

    ServerStatementBudgetChaosTest(PoolerFixture pooler) throws Exception {
        super(withTinyBudget(pooler), Map.of());
    }

    /** The property is read when the pooler starts, in the constructor above. */
    private static PoolerFixture withTinyBudget(PoolerFixture pooler) {
        System.setProperty(BUDGET_PROPERTY, "16");
        return pooler;
    }

    @AfterEach
    void defaultBudget() {
        System.clearProperty(BUDGET_PROPERTY);
    }
}
