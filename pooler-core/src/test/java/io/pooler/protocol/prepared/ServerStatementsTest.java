package io.pooler.protocol.prepared;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A server's cache of prepared statements, bounded in count and, with the caches of all servers, in
 * bytes: what is counted, what is dropped to make room, and when a server must be emptied.
 */
class ServerStatementsTest {
    private final StatementRegistry registry = new StatementRegistry();
    private int made;

    @Test
    void aStatementSeveralServersHoldIsCountedOnceFromTheFirstToTheLast() {
        ByteBudget budget = new ByteBudget(1_000);
        ServerStatements one = new ServerStatements(budget);
        ServerStatements two = new ServerStatements(budget);
        PreparedStatement shared = statement(400);

        assertEquals(List.of(), one.add(shared, 10));
        assertEquals(List.of(), two.add(shared, 10));
        assertEquals(shared.length(), budget.kept());
        one.remove(shared.id());
        assertEquals(shared.length(), budget.kept(), "the other server still holds it");
        two.clear();
        assertEquals(0, budget.kept());
    }

    @Test
    void theAddingServerDropsItsLeastRecentlyUsedUntilTheNewOneFits() {
        ByteBudget budget = new ByteBudget(1_000);
        ServerStatements cache = new ServerStatements(budget);
        PreparedStatement first = statement(300);
        PreparedStatement second = statement(300);
        PreparedStatement third = statement(300);
        cache.add(first, 10);
        cache.add(second, 10);
        cache.add(third, 10);
        assertTrue(cache.contains(first)); // now the most recently used: second goes first

        assertEquals(List.of(second), cache.add(statement(300), 10));
        assertEquals(3, cache.size());
        assertTrue(budget.kept() <= budget.limit());
        assertFalse(cache.overBudget());
    }

    @Test
    void aStatementThatDoesNotFitAloneIsKeptAndTheServerMarkedUntilItIsEmptied() {
        ByteBudget budget = new ByteBudget(1_000);
        ServerStatements cache = new ServerStatements(budget);
        PreparedStatement small = statement(300);
        cache.add(small, 10);
        PreparedStatement huge = statement(1_200);

        assertEquals(List.of(small), cache.add(huge, 10));
        assertTrue(cache.contains(huge), "the server prepares it: the cache must know");
        assertTrue(cache.overBudget());
        assertEquals(huge.length(), budget.kept());
        cache.clear(); // the reset's DISCARD ALL
        assertFalse(cache.overBudget());
        assertEquals(0, budget.kept());
    }

    @Test
    void otherServersStatementsAreNeverDroppedForThisOne() {
        ByteBudget budget = new ByteBudget(1_000);
        ServerStatements other = new ServerStatements(budget);
        ServerStatements cache = new ServerStatements(budget);
        PreparedStatement theirs = statement(800);
        other.add(theirs, 10);

        cache.add(statement(300), 10);
        assertTrue(other.contains(theirs));
        assertTrue(cache.overBudget(), "kept past the budget, to be emptied at its release");
    }

    @Test
    void theCountStillBoundsAndGivesBytesBack() {
        ByteBudget budget = new ByteBudget(10_000);
        ServerStatements cache = new ServerStatements(budget);
        PreparedStatement first = statement(100);
        cache.add(first, 2);
        cache.add(statement(100), 2);

        assertEquals(List.of(first), cache.add(statement(100), 2));
        assertEquals(2, cache.size());
        assertEquals(2L * first.length(), budget.kept());
    }

    @Test
    void aClosedServerGivesEverythingBackAndKeepsNothingMore() {
        ByteBudget budget = new ByteBudget(10_000);
        ServerStatements cache = new ServerStatements(budget);
        cache.add(statement(100), 10);
        cache.markInDoubt();

        cache.close();
        assertEquals(0, budget.kept());
        assertEquals(List.of(), cache.add(statement(100), 10));
        assertEquals(0, cache.size());
        assertEquals(0, budget.kept(), "nothing counted for a connection that is gone");
    }

    /** A distinct statement whose definition is some {@code bytes} long. */
    private PreparedStatement statement(int bytes) {
        String text = "SELECT " + (made++) + " -- ";
        byte[] definition = (text + "x".repeat(Math.max(0, bytes - text.length()))).getBytes(StandardCharsets.UTF_8);
        return registry.statementFor(definition);
    }
}
