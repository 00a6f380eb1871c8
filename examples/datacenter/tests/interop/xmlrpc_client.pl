# Perl's RPC::XML::Client against `datacenter serve`. Usage: xmlrpc_client.pl URL
use strict;
use warnings;
use RPC::XML;
use RPC::XML::Client;

my $client = RPC::XML::Client->new($ARGV[0]);

my $active = $client->send_request('get_active_servers', RPC::XML::int->new(3));
die "transport error: $active\n" unless ref $active;
die 'fault: ' . $active->string . "\n" if $active->is_fault;
my @ids = map { $_->{id} } @{ $active->value };
die "expected servers 1 and 2, got @ids\n" unless "@ids" eq '1 2';
die "wrong hostname\n" unless $active->value->[0]{hostname} eq 'us-east-1a';

my $fault = $client->send_request('get_server', RPC::XML::int->new(99));
die "expected a fault\n" unless ref $fault && $fault->is_fault;
die 'wrong fault code ' . $fault->code . "\n" unless $fault->code == 404;

my $unknown = $client->send_request('no_such_method');
die "expected a -32601 fault\n" unless ref $unknown && $unknown->is_fault && $unknown->code == -32601;

print "perl RPC::XML::Client: all checks passed\n";
