#!/usr/bin/env escript
%% What OTP 25's socket module does with a second recv caller on one socket (Unix, select
%% semantics): B, queued behind A, is told `select` only once data is there for it; at close
%% the selected B gets no abort, while D, queued, does. ESock's poll backend follows this
%% (Tests/ESockTests/Async/QueueTests.swift, CloseWhileWaitingTests.swift).
%% Run: apt-get install -y erlang-nox && escript Tests/OTPReference/poll_queue_and_close.escript
main(_) ->
    {ok, L} = socket:open(inet, stream, tcp),
    ok = socket:bind(L, #{family => inet, addr => loopback, port => 0}),
    ok = socket:listen(L),
    {ok, #{port := Port}} = socket:sockname(L),
    {ok, C} = socket:open(inet, stream, tcp),
    ok = socket:connect(C, #{family => inet, addr => loopback, port => Port}),
    {ok, S} = socket:accept(L),
    Self = self(),
    Spawn = fun(Name) -> spawn(fun() ->
        R = socket:recv(S, 0, nowait), Self ! {Name, call1, R},
        loop(Name, S, Self) end) end,
    A = Spawn(a), timer:sleep(50), B = Spawn(b), timer:sleep(50),
    ok = socket:send(C, <<"hello">>), timer:sleep(100),
    A ! call_again, timer:sleep(100),
    io:format("-- after A consumed, nothing sent yet (B should have no select)~n"),
    flush(),
    ok = socket:send(C, <<"world">>), timer:sleep(100),
    io:format("-- after second send (B should get select now)~n"),
    flush(),
    %% now test close: B selected, not called again. Add queued C2 waiter.
    D = Spawn(d), timer:sleep(50),
    socket:close(S), timer:sleep(100),
    io:format("-- after close (B selected: abort? D queued: abort)~n"),
    B ! report, D ! report, timer:sleep(100),
    flush().
loop(Name, S, Parent) ->
    receive
        {'$socket', S, _, _} = M -> Parent ! {Name, got, M}, loop(Name, S, Parent);
        call_again -> R = socket:recv(S, 0, nowait), Parent ! {Name, call2, R}, loop(Name, S, Parent);
        report -> Parent ! {Name, mailbox, process_info(self(), messages)}, loop(Name, S, Parent)
    end.
flush() -> receive M -> io:format("~p~n", [M]), flush() after 0 -> ok end.
