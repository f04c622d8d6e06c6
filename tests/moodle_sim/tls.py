"""HTTPS for the simulator: wrap a listening http.server socket with TLS (standard library ``ssl`` only).

The handshake runs in the connection's own thread (not in accept()), so a client that rejects the certificate
neither blocks the server nor prints a traceback: it just gets nothing."""
import ssl

HANDSHAKE_TIMEOUT = 10


def server_context(certfile, keyfile):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certfile, keyfile)
    return context


def serve_tls(httpd, certfile, keyfile):
    """Make ``httpd`` (a socketserver TCP server, already bound) speak TLS with that certificate and key."""
    httpd.socket = server_context(certfile, keyfile).wrap_socket(httpd.socket, server_side=True,
                                                                 do_handshake_on_connect=False)
    plain_finish_request = httpd.finish_request

    def finish_request(request, client_address):
        previous_timeout = request.gettimeout()
        request.settimeout(HANDSHAKE_TIMEOUT)
        try:
            request.do_handshake()
        except (ssl.SSLError, OSError):
            return      # the client refused our certificate (or went away): nothing to answer, nothing to log
        request.settimeout(previous_timeout)
        plain_finish_request(request, client_address)

    httpd.finish_request = finish_request
    return httpd
