#!/usr/bin/env escript
%% What OTP 25's socket module does with monitors and owners. ESock follows it
%% (Tests/ESockTests/Monitors/MonitorTests.swift, OwnerTests.swift):
%% - one 'DOWN' per monitor at close, with reason `closed`; a cancelled monitor sends none;
%%   cancel_monitor answers true once, then false (also for an unknown reference);
%% - a monitor set on a closed socket is 'DOWN' at once;
%% - the owner's exit closes the socket (its monitors see 'DOWN', closed);
%% - only the owner may hand the socket on: others get {error, {invalid, not_owner}}.
%% Run: apt-get install -y erlang-nox && escript Tests/OTPReference/monitors_and_owner.escript
main(_) ->
    {ok, S} = socket:open(inet, stream, tcp),
    _M1 = socket:monitor(S),
    M2 = socket:monitor(S),
    io:format("which_monitors: ~p~n", [length(socket:which_monitors(S))]),
    io:format("monitored_by self: ~p~n", [socket:monitored_by(S) =:= [self()]]),
    io:format("number_of_monitors: ~p ~p~n", [socket:number_of_monitors(), socket:number_of_monitors(self())]),
    io:format("cancel_monitor: ~p ~p ~p~n", [socket:cancel_monitor(M2), socket:cancel_monitor(M2),
                                             socket:cancel_monitor(make_ref())]),
    ok = socket:close(S),
    io:format("at close: ~p~n", [downs()]),
    M3 = socket:monitor(S),
    io:format("monitor of a closed socket: ~p~n",
              [receive {'DOWN', M3, socket, S, Info} -> Info after 200 -> none end]),
    Self = self(),
    P = spawn(fun() -> {ok, S2} = socket:open(inet, stream, tcp), Self ! {sock, S2},
                       receive stop -> exit(normal) end end),
    S2 = receive {sock, X} -> X end,
    M4 = socket:monitor(S2),
    P ! stop,
    io:format("owner exit: ~p~n", [receive {'DOWN', M4, socket, S2, I} -> I after 500 -> none end]),
    {ok, S3} = socket:open(inet, stream, tcp),
    spawn(fun() -> Self ! {r, socket:setopt(S3, otp, controlling_process, self())} end),
    io:format("controlling_process by another: ~p~n", [receive {r, R} -> R end]),
    ok.

downs() ->
    receive {'DOWN', _, socket, _, Info} -> [Info | downs()] after 200 -> [] end.

%% Output with OTP 25:
%% which_monitors: 2
%% monitored_by self: true
%% number_of_monitors: 2 2
%% cancel_monitor: true false false
%% at close: [closed]
%% monitor of a closed socket: closed
%% owner exit: closed
%% controlling_process by another: {error,{invalid,not_owner}}
