package io.pooler.admin.show;

import io.pooler.admin.AdminBackend;
import io.pooler.admin.SocketView;
import io.pooler.admin.wire.Column;
import io.pooler.admin.wire.ResultSet;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * SHOW CLIENTS, SHOW SERVERS, SHOW SOCKETS and SHOW ACTIVE_SOCKETS: one row per connection with PgBouncer's
 * columns; the two SOCKETS commands add its buffer columns, which are 0 here except the bytes waiting to
 * be sent. Last comes Pooler's own {@code pinned}: the session state that keeps a client on its server. Rows come pool by pool, in state order, as PgBouncer walks its lists.
 */
public final class ShowSockets extends ShowCommand {

    private final Function<AdminBackend, List<SocketView>> source;
    private final boolean debug;
    private final Predicate<SocketView> filter;
    private final boolean listsClients;

    private ShowSockets(Function<AdminBackend, List<SocketView>> source, boolean debug, Predicate<SocketView> filter,
                        boolean listsClients) {
        this.source = source;
        this.debug = debug;
        this.filter = filter;
        this.listsClients = listsClients;
    }

    public static ShowSockets clients() {
        return new ShowSockets(AdminBackend::clients, false, s -> true, true);
    }

    public static ShowSockets servers() {
        return new ShowSockets(AdminBackend::servers, false, s -> true, false);
    }

    public static ShowSockets sockets() {
        return new ShowSockets(ShowSockets::all, true, s -> true, true);
    }

    /** Sockets with something buffered, as PgBouncer's "not empty" sbuf. */
    public static ShowSockets activeSockets() {
        return new ShowSockets(ShowSockets::all, true, s -> s.pendingBytes() > 0, true);
    }

    @Override
    public boolean listsClients() {
        return listsClients;
    }

    private static List<SocketView> all(AdminBackend backend) {
        List<SocketView> all = new ArrayList<>(backend.clients());
        all.addAll(backend.servers());
        return all;
    }

    @Override
    protected ResultSet show(AdminBackend backend) {
        List<Column> columns = new ArrayList<>(List.of(
                Column.text("type"), Column.text("user"), Column.text("database"), Column.text("replication"),
                Column.text("state"), Column.text("addr"), Column.int4("port"), Column.text("local_addr"),
                Column.int4("local_port"), Column.timestamp("connect_time"), Column.timestamp("request_time"),
                Column.int4("wait"), Column.int4("wait_us"), Column.int4("close_needed"), Column.text("ptr"),
                Column.text("link"), Column.int4("remote_pid"), Column.text("tls"), Column.text("application_name"),
                Column.int4("prepared_statements"), Column.int8("id")));
        if (debug) {
            for (String name : List.of("recv_pos", "pkt_pos", "pkt_remain", "send_pos", "send_remain", "pkt_avail",
                    "send_avail")) {
                columns.add(Column.int4(name));
            }
        }
        columns.add(Column.text("pinned")); // Pooler's own, after PgBouncer's columns
        ResultSet rs = new ResultSet(columns);
        List<SocketView> rows = source.apply(backend).stream().filter(filter)
                .sorted(Comparator.comparing(SocketView::database).thenComparing(SocketView::user)
                        .thenComparing(s -> s.state().ordinal()))
                .toList();
        for (SocketView s : rows) {
            List<Object> row = new ArrayList<>(Arrays.asList(
                    s.server() ? "S" : "C", s.user(), s.database(), s.replication(), state(s), s.addr(), s.port(),
                    s.localAddr(), s.localPort(), s.connectTimeMillis(), s.requestTimeMillis(),
                    (int) (s.waitMicros() / 1_000_000), (int) (s.waitMicros() % 1_000_000), s.closeNeeded(),
                    s.ptr(), s.link(), s.remotePid(), "", s.applicationName(), s.preparedStatements(), s.id()));
            if (debug) {
                row.addAll(List.of(0, 0, 0, 0, 0, 0, (int) Math.min(Integer.MAX_VALUE, s.pendingBytes())));
            }
            row.add(s.pinned());
            rs.row(row.toArray());
        }
        return rs;
    }

    /** SOCKETS prints the list name; CLIENTS and SERVERS the short name, "idle" for an unlinked active one. */
    private String state(SocketView s) {
        if (debug) {
            return s.state().listName();
        }
        String state = s.state().shortName();
        return !s.linked() && state.equals("active") ? "idle" : state;
    }
}
