package io.pooler.admin.control;

import io.pooler.admin.AdminErrors;
import io.pooler.admin.AdminRequest;
import io.pooler.admin.wire.Response;
import io.pooler.protocol.SqlState;

import java.util.Optional;
import java.util.concurrent.CompletionStage;

/** DISABLE db refuses new client connections to the database; ENABLE db lets them in again. */
public final class Disable extends ControlCommand {
    private final boolean disable;

    private Disable(boolean disable) {
        this.disable = disable;
    }

    public static Disable disable() {
        return new Disable(true);
    }

    public static Disable enable() {
        return new Disable(false);
    }

    @Override
    protected CompletionStage<Response> control(AdminRequest request) {
        if (!request.hasArgument()) {
            return done(Response.error(SqlState.SYNTAX_ERROR, "a database is required"));
        }
        // PgBouncer's ENABLE refuses the console with DISABLE's words too.
        Optional<Response> refused = checkDatabase(request, "disable");
        if (refused.isPresent()) {
            return done(refused.get());
        }
        request.backend().setDisabled(request.argument(), disable);
        return ready(disable ? "DISABLE" : "ENABLE");
    }
}
