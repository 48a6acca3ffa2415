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

    static Decision decide(HbaFile hba, SocketAddress remote, boolean tls, String database, String user) {
        HbaRequest request = remote instanceof InetSocketAddress inet
                ? HbaRequest.host(inet.getAddress(), tls, database, user)
                : HbaRequest.local(database, user);
        Optional<HbaRule> rule = hba.match(request);
        String who = "host \"" + host(request) + "\", user \"" + user + "\", database \"" + database + "\", "
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
