package io.pooler.admin.control;

import io.pooler.admin.AdminBackend;
import io.pooler.admin.AdminErrors;
import io.pooler.admin.AdminRequest;
import io.pooler.admin.wire.Response;

import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * PAUSE [db]: running transactions finish (sessions end, in session mode), new queries wait, and every
 * server is closed as it is released; the answer comes once no server is left.
 */
public final class Pause extends ControlCommand {

    @Override
    protected CompletionStage<Response> control(AdminRequest request) {
        AdminBackend backend = request.backend();
        if (backend.pauseMode() != AdminBackend.PauseMode.NONE) {
            return done(AdminErrors.wrongState("already suspended/paused"));
        }
        if (request.hasArgument()) {
            Optional<Response> refused = checkDatabase(request, "pause");
            if (refused.isPresent()) {
                return done(refused.get());
            }
        }
        return whenDone(backend.pause(request.databaseOrAll()), "PAUSE");
    }
}
