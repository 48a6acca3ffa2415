/**
 * {@code auth_hba_file}: PostgreSQL's pg_hba.conf format as PgBouncer reads it, parsed into rules and
 * matched first-match-wins against one connection. Nothing here touches the network; the daemon
 * describes a connection as an {@link io.pooler.auth.hba.HbaRequest} and acts on the rule it gets.
 */
package io.pooler.auth.hba;
