#!/usr/bin/env escript
%% What OTP 25's socket:cancel/2 does on a socket that closed (Unix, select semantics):
%% it returns {error, closed} and removes the abort message the close sent for that
%% operation; a select message the caller already had stays. ESock does the same on both
%% backends (Tests/ESockTests/Async/CancelAfterCloseTests.swift).
%% Run: apt-get install -y erlang-nox && escript Tests/OTPReference/cancel_after_close.escript
main(_) ->
    {ok, L} = socket:open(inet, stream, tcp),
    ok = socket:bind(L, #{family => inet, addr => loopback, port => 0}),
    ok = socket:listen(L),
    {ok, #{port := Port}} = socket:sockname(L),
    Pair = fun() ->
                   {ok, C} = socket:open(inet, stream, tcp),
                   ok = socket:connect(C, #{family => inet, addr => loopback, port => Port}),
                   {ok, S} = socket:accept(L),
                   {C, S}
           end,
    {_, S1} = Pair(),
    {select, SI1} = socket:recv(S1, 0, nowait),
    ok = socket:close(S1),
    timer:sleep(100),
    io:format("aborted, before cancel: ~p~n", [kinds()]),
    io:format("cancel: ~p~n", [socket:cancel(S1, SI1)]),
    io:format("after cancel: ~p~n", [kinds()]),
    {C2, S2} = Pair(),
    {select, SI2} = socket:recv(S2, 0, nowait),
    ok = socket:send(C2, <<"x">>),
    timer:sleep(100),
    ok = socket:close(S2),
    io:format("selected, before cancel: ~p~n", [kinds()]),
    io:format("cancel: ~p~n", [socket:cancel(S2, SI2)]),
    io:format("after cancel: ~p~n", [kinds()]).

kinds() ->
    {messages, Ms} = process_info(self(), messages),
    [Kind || {'$socket', _, Kind, _} <- Ms].

%% Output with OTP 25:
%% aborted, before cancel: [abort]
%% cancel: {error,closed}
%% after cancel: []
%% selected, before cancel: [select]
%% cancel: {error,closed}
%% after cancel: [select]
