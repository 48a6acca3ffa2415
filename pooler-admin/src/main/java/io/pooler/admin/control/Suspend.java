package io.pooler.admin.control;

import io.pooler.admin.AdminBackend;
import io.pooler.admin.AdminErrors;
import io.pooler.admin.AdminRequest;
import io.pooler.admin.wire.Response;

import java.util.concurrent.CompletionStage;

/** SUSPEND: stop reading from every client until RESUME; answered once the output is flushed. */
public final class Suspend extends ControlCommand {

    @Override
    protected CompletionStage<Response> control(AdminRequest request) {
        AdminBackend backend = request.backend();
        if (backend.pauseMode() != AdminBackend.PauseMode.NONE) {
            return done(AdminErrors.wrongState("already suspended/paused"));
        }
        boolean anyPaused = backend.pools().stream().anyMatch(p -> backend.isPaused(p.database()));
        if (anyPaused) {
            return done(AdminErrors.wrongState("cannot suspend with paused databases"));
        }
        return whenDone(backend.suspend(), "SUSPEND");
    }
}
