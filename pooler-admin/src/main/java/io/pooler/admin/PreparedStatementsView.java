package io.pooler.admin;

/**
 * The prepared-statement caches, for SHOW MEM.
 *
 * @param distinct statements in the process-wide registry, each known to every server by one name
 * @param definitionBytes bytes of their definitions (query text and parameter types)
 * @param onServers statements prepared on server connections, summed over the servers
 * @param onServersBytes bytes of the definitions the servers' caches hold, each distinct one counted once
 */
public record PreparedStatementsView(int distinct, long definitionBytes, int onServers, long onServersBytes) {
}
