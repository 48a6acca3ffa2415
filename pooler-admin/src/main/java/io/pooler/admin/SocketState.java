package io.pooler.admin;

/** The list a connection is in, named as SHOW SOCKETS names them. */
public enum SocketState {
    CL_ACTIVE("cl_active", "active"),
    CL_WAITING("cl_waiting", "waiting"),
    /** Authenticated, waiting for the pool's first server to log in; PgBouncer counts these as waiting. */
    CL_LOGIN("cl_login", "waiting"),
    /** A CancelRequest's own connection while the request is on its way to PostgreSQL. */
    CL_ACTIVE_CANCEL_REQ("cl_active_cancel_req", "active_cancel_req"),
    /** A CancelRequest's own connection while the connection that carries it to PostgreSQL opens. */
    CL_WAITING_CANCEL_REQ("cl_waiting_cancel_req", "waiting_cancel_req"),
    SV_ACTIVE("sv_active", "active"),
    SV_IDLE("sv_idle", "idle"),
    SV_USED("sv_used", "used"),
    SV_TESTED("sv_tested", "tested"),
    SV_LOGIN("sv_login", "new"),
    /** Given back by its client while a cancel request to it is in flight; handed to nobody until it is done. */
    SV_BEING_CANCELED("sv_being_canceled", "being_canceled");

    private final String listName;
    private final String shortName;

    SocketState(String listName, String shortName) {
        this.listName = listName;
        this.shortName = shortName;
    }

    /** The name in SHOW SOCKETS. */
    public String listName() {
        return listName;
    }

    /** The name in SHOW CLIENTS and SHOW SERVERS. */
    public String shortName() {
        return shortName;
    }
}
