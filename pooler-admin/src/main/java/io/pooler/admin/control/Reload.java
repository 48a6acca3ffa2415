package io.pooler.admin.control;

import io.pooler.admin.AdminRequest;
import io.pooler.admin.wire.Response;
import io.pooler.protocol.SqlState;

import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * RELOAD: re-reads the config; a broken one is refused with SQLSTATE F0000 and the running one stays. As in
 * PgBouncer, the client gets a fixed text and the details go to the log.
 */
public final class Reload extends ControlCommand {
    static final String FAILED = "RELOAD failed, see logs for additional details";

    @Override
    protected CompletionStage<Response> control(AdminRequest request) {
        return request.backend().reload().thenCompose(failure -> failure.isPresent()
                ? done(Response.error(SqlState.CONFIG_FILE_ERROR, FAILED))
                : ready("RELOAD"));
    }
}
