package io.pooler.admin.control;

import io.pooler.admin.AdminBackend;
import io.pooler.admin.AdminErrors;
import io.pooler.admin.AdminRequest;
import io.pooler.admin.wire.Response;

import java.util.Optional;
import java.util.concurrent.CompletionStage;

/** KILL [db]: drops the database's (or every database's) clients and servers now; it stays paused until RESUME. */
public final class Kill extends ControlCommand {

    @Override
    protected CompletionStage<Response> control(AdminRequest request) {
        if (request.backend().pauseMode() != AdminBackend.PauseMode.NONE) {
            return done(AdminErrors.wrongState("already suspended/paused"));
        }
        if (request.hasArgument()) {
            Optional<Response> refused = checkDatabase(request, "kill");
            if (refused.isPresent()) {
                return done(refused.get());
            }
        }
        request.backend().kill(request.databaseOrAll());
        return ready("KILL");
    }
}
