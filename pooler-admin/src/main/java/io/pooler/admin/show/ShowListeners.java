package io.pooler.admin.show;

import io.pooler.admin.AdminBackend;
import io.pooler.admin.ListenerView;
import io.pooler.admin.wire.Column;
import io.pooler.admin.wire.ResultSet;

import java.util.Comparator;

/**
 * SHOW LISTENERS (Pooler's own; PgBouncer does not multiplex LISTEN): one row per channel that some
 * client of a pool listens to, with the number of subscribed clients, the server connection that
 * LISTENs for them, and the notifications that pool's listener has delivered to clients so far.
 */
public final class ShowListeners extends ShowCommand {

    @Override
    protected ResultSet show(AdminBackend backend) {
        ResultSet rs = ResultSet.of(Column.text("database"), Column.text("user"), Column.text("channel"),
                Column.int4("subscribers"), Column.text("server"), Column.int8("delivered"));
        backend.listeners().stream()
                .sorted(Comparator.comparing(ListenerView::database).thenComparing(ListenerView::user)
                        .thenComparing(ListenerView::channel))
                .forEach(v -> rs.row(v.database(), v.user(), v.channel(), v.subscribers(), v.server(), v.delivered()));
        return rs;
    }
}
