package io.pooler.server.client;

import io.pooler.protocol.ParameterMaps;
import io.pooler.protocol.prepared.StatementBudget;
import io.pooler.protocol.prepared.StatementRegistry;
import io.pooler.server.RuntimeConfig;
import io.pooler.server.ShutdownState;
import io.pooler.server.listen.ListenerHubs;
import io.pooler.stats.ErrorCounters;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * What every client connection uses for its whole life, shared by all of them: the config in force, the
 * process's client count (max_client_conn), the shutdown state, cancel keys, the interned parameter maps
 * and prepared statements, the budget of the statements' text clients keep, the LISTEN multiplexers, the
 * budget of clients waiting for a server, the error counters of clients with no pool, and SUSPEND.
 * Admission and login need more, which {@link LoginServices} carries.
 *
 * <p>Threads: each is immutable, atomic or safe from any event loop.
 *
 * @param config the config snapshot in force
 * @param clientCount every client connection of the process, logged in or not (max_client_conn)
 * @param maxPreparedStatements max_prepared_statements in force: one supplier for every client's
 *        statement rewriter rather than a lambda each (an idle client should cost little)
 * @param statementBudget the bytes of prepared statements' text kept, per client and for all clients
 * @param unpooledErrors errors sent to clients that had no pool yet (bad database, a failed login whose pool
 *                       was never made, limits, the console)
 */
public record ClientServices(Supplier<RuntimeConfig> config, AtomicInteger clientCount, ShutdownState shutdown,
                             CancelRegistry cancelRegistry, ParameterMaps parameterMaps,
                             StatementRegistry statementRegistry, IntSupplier maxPreparedStatements,
                             StatementBudget statementBudget,
                             ListenerHubs listenerHubs, WaitingBudget waitingBudget,
                             ErrorCounters unpooledErrors, Suspension suspension) {
}
