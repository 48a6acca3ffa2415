package io.pooler.admin.show;

import io.pooler.admin.AdminCommand;
import io.pooler.admin.AdminRequest;
import io.pooler.admin.wire.Response;
import io.pooler.protocol.ErrorResponse;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** SHOW HELP: a NOTICE "Console usage" whose detail lists the commands, as PgBouncer answers. */
public final class ShowHelp implements AdminCommand {
    private static final String USAGE = """

            \tSHOW HELP|CONFIG|DATABASES|POOLS|CLIENTS|SERVERS|USERS|VERSION
            \tSHOW PEERS|PEER_POOLS
            \tSHOW FDS|SOCKETS|ACTIVE_SOCKETS|LISTS|MEM|STATE
            \tSHOW DNS_HOSTS|DNS_ZONES
            \tSHOW STATS|STATS_TOTALS|STATS_AVERAGES|TOTALS
            \tSET key = arg
            \tRELOAD
            \tPAUSE [<db>]
            \tRESUME [<db>]
            \tDISABLE <db>
            \tENABLE <db>
            \tRECONNECT [<db>]
            \tKILL [<db>]
            \tKILL_CLIENT <client_id>
            \tSUSPEND
            \tSHUTDOWN
            \tSHUTDOWN WAIT_FOR_SERVERS|WAIT_FOR_CLIENTS
            \tWAIT_CLOSE [<db>]""";

    @Override
    public CompletionStage<Response> run(AdminRequest request) {
        ErrorResponse notice = ErrorResponse.of("NOTICE", "00000", "Console usage").withDetail(USAGE);
        return CompletableFuture.completedFuture(Response.noticeThenDone(notice, "SHOW"));
    }
}
