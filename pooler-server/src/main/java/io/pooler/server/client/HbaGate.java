package io.pooler.server.client;

import io.pooler.auth.hba.HbaFile;
import io.pooler.auth.hba.HbaMethod;
import io.pooler.auth.hba.HbaRequest;
import io.pooler.auth.hba.HbaRule;
import io.pooler.protocol.ErrorResponse;
import io.pooler.protocol.SqlState;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Optional;

/**
 * auth_type = hba at login: the first matching rule's method, or PostgreSQL's own refusal (SQLSTATE
 * 28000) when no rule matches or the rule says {@code reject}, so tools that recognise PostgreSQL's
 * messages recognise ours.
 */
final class HbaGate {

    /** Either the method to authenticate with, or the error to refuse the client with. */
    record Decision(Optional<HbaRule> rule, ErrorResponse refusal) {
        HbaMethod method() {
            return rule.orElseThrow().method();
        }
    }

    private HbaGate() {
    }

    /**
     * {@code physicalReplication}: only lines whose database column says {@code replication} match, as in
     * PostgreSQL and PgBouncer; a logical replication connection matches by its database name.
     */
    static Decision decide(HbaFile hba, SocketAddress remote, boolean tls, String database, String user,
                           boolean physicalReplication) {
        java.util.Optional<java.net.InetAddress> address = remote instanceof InetSocketAddress inet
                ? java.util.Optional.of(inet.getAddress()) : java.util.Optional.empty();
        HbaRequest request = new HbaRequest(address, address.isPresent() && tls, physicalReplication, database, user);
        Optional<HbaRule> rule = hba.match(request);
        // PostgreSQL's texts: a physical replication connection names no database.
        String who = (physicalReplication ? "replication connection from host \"" : "host \"") + host(request)
                + "\", user \"" + user + "\", " + (physicalReplication ? "" : "database \"" + database + "\", ")
                + (tls ? "SSL encryption" : "no encryption");
        if (rule.isEmpty()) {
            return new Decision(rule, ErrorResponse.fatal(SqlState.INVALID_AUTHORIZATION, "no pg_hba.conf entry for " + who));
        }
        if (rule.get().method() == HbaMethod.REJECT) {
            return new Decision(rule, ErrorResponse.fatal(SqlState.INVALID_AUTHORIZATION,
                    "pg_hba.conf rejects connection for " + who));
        }
        return new Decision(rule, null);
    }

    private static String host(HbaRequest request) {
        return request.address().map(a -> a.getHostAddress()).orElse("[local]");
    }
}
