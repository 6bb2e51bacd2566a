%% echo: a TCP echo server on OTP's `socket` module (not gen_tcp), the Erlang
%% peer in ESock's benchmarks.
%%
%%   erlc -o OUT echo.erl
%%   erl -noshell +Bd -pa OUT -run echo main PORT [ADDR]
%%   erl -noshell +Bd -pa OUT -eval 'echo:main(["--port", "N", "--host", "ADDR"])'
%%
%% (erl's -run stops at the first argument that starts with "-", so there the
%% port and address are plain positional arguments.)
%% Binds ADDR:N (default 127.0.0.1:0; 0 = pick a free port), prints
%% "listening PORT" on stdout when ready and echoes every byte back. One
%% acceptor loop; one process per connection doing socket:recv(S, 0) and
%% socket:send/2. SIGTERM stops the node (OTP's default handler runs
%% init:stop/0); with +Bd, SIGINT stops it too.
-module(echo).
-export([main/1]).

main(Args) ->
    {Host, Port} = parse(Args, {{127, 0, 0, 1}, 0}),
    Family = case tuple_size(Host) of 4 -> inet; 8 -> inet6 end,
    {ok, LS} = socket:open(Family, stream, tcp),
    ok = socket:setopt(LS, {socket, reuseaddr}, true),
    ok = socket:bind(LS, #{family => Family, addr => Host, port => Port}),
    ok = socket:listen(LS, 1024),
    {ok, #{port := Bound}} = socket:sockname(LS),
    io:format("listening ~w~n", [Bound]),
    accept_loop(LS).

parse([], Acc) ->
    Acc;
parse(["--port", P | Rest], {Host, _}) ->
    parse(Rest, {Host, list_to_integer(P)});
parse(["--host", H | Rest], {_, Port}) ->
    {ok, Addr} = inet:parse_address(H),
    parse(Rest, {Addr, Port});
parse([P], {Host, _}) ->
    {Host, list_to_integer(P)};
parse([P, H], _) ->
    {ok, Addr} = inet:parse_address(H),
    {Addr, list_to_integer(P)};
parse(Other, _) ->
    io:format(standard_error, "echo: bad arguments ~p~n", [Other]),
    erlang:halt(2).

accept_loop(LS) ->
    case socket:accept(LS) of
        {ok, S} ->
            Pid = spawn(fun() -> receive go -> ok end, loop(S) end),
            _ = socket:setopt(S, {otp, controlling_process}, Pid),
            _ = socket:setopt(S, {tcp, nodelay}, true),
            Pid ! go,
            accept_loop(LS);
        {error, closed} ->
            ok;
        {error, _Reason} ->
            %% emfile and friends: back off a little, never spin
            timer:sleep(10),
            accept_loop(LS)
    end.

loop(S) ->
    case socket:recv(S, 0) of
        {ok, Data} ->
            case socket:send(S, Data) of
                ok -> loop(S);
                {error, _} -> socket:close(S)
            end;
        {error, _} ->
            socket:close(S)
    end.
