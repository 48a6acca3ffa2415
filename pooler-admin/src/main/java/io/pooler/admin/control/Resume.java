package io.pooler.admin.control;

import io.pooler.admin.AdminBackend;
import io.pooler.admin.AdminErrors;
import io.pooler.admin.AdminRequest;
import io.pooler.admin.wire.Response;

import java.util.concurrent.CompletionStage;

/**
 * RESUME [db]: ends PAUSE, SUSPEND, or the pause a KILL leaves. Without an argument it also resumes the
 * databases paused one by one (after KILL without an argument that is every database).
 */
public final class Resume extends ControlCommand {

    @Override
    protected CompletionStage<Response> control(AdminRequest request) {
        AdminBackend backend = request.backend();
        if (!request.hasArgument()) {
            if (backend.isShuttingDown()) {
                return done(AdminErrors.wrongState("pooler is shutting down"));
            }
            boolean anyPaused = backend.config().databases().keySet().stream().anyMatch(backend::isPaused)
                    || backend.pools().stream().anyMatch(p -> backend.isPaused(p.database()));
            if (backend.pauseMode() == AdminBackend.PauseMode.NONE && !anyPaused) {
                return done(AdminErrors.wrongState("pooler is not paused/suspended"));
            }
            backend.resume(null);
            return ready("RESUME");
        }
        String db = request.argument();
        if (backend.config().findDatabase(db).isEmpty()) {
            return done(AdminErrors.noSuchDatabase(db));
        }
        if (!backend.isPaused(db)) {
            return done(AdminErrors.wrongState("database " + db + " is not paused"));
        }
        backend.resume(db);
        return ready("RESUME");
    }
}
