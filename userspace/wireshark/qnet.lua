-- SPDX-License-Identifier: GPL-2.0
--
-- Wireshark/tshark dissector for qnet's classical control plane: Ethernet
-- frames of type ETH_P_QNET (0x88B5) on a qlink. The wire format is
-- include/uapi/linux/qnet.h (struct qnet_hdr, then one struct qnet_msg_*
-- per type, all in network byte order); Documentation/network.rst and
-- Documentation/qlink.rst say what each message means.
--
--   tshark -X lua_script:userspace/wireshark/qnet.lua -r capture.pcap -V
--   tshark -X lua_script:qnet.lua -r cap.pcap -Y 'qnet.type == 24' \
--          -T fields -e qnet.swap.ent_id
--
-- `make install` puts it in Wireshark's global Lua plugin directory
-- (tools/install.sh), where wireshark and tshark load it by themselves.
--
-- Offsets are those of the structures as the x86-64 kernel lays them
-- out, implicit alignment padding included (a __be64 after a 12-byte
-- struct qnet_msg_circuit starts at 16).

local qnet = Proto("qnet", "qnet quantum network control")

local msg_types = {
	[1] = "HERALD", [2] = "EXPIRE",
	[16] = "CONNECT", [17] = "ACCEPT", [18] = "REFUSE", [19] = "CLOSE",
	[20] = "REQUEST", [21] = "BIND", [22] = "TRACK", [23] = "DISCARD",
	[24] = "DELIVER", [25] = "PURIFY",
}
local bell_states = {
	[0] = "PHI+", [1] = "PSI+", [2] = "PSI-", [3] = "PHI-",
}
local causes = {
	[0] = "cutoff", [1] = "replaced", [2] = "link down", [3] = "fidelity",
	[4] = "unclaimed", [5] = "deadline", [6] = "swap failed",
	[7] = "purify failed",
}
local dirs = { [0] = "down (head to tail)", [1] = "up (tail to head)" }
local req_types = { [0] = "keep", [1] = "measure" }
local bases = { [0] = "Z", [1] = "X", [2] = "Y", [3] = "random" }
local purify_protos = { [0] = "DEJMPS", [1] = "BBPSSW" }

local F = ProtoField
local f = {
	-- struct qnet_hdr
	version = F.uint8("qnet.version", "Version", base.DEC),
	type = F.uint8("qnet.type", "Type", base.DEC, msg_types),
	len = F.uint16("qnet.len", "Length", base.DEC),
	src_node = F.uint32("qnet.src_node", "Source node", base.DEC),
	time_ns = F.uint64("qnet.time_ns", "Emulated send time (ns)", base.DEC),

	-- struct qnet_msg_pair: HERALD, EXPIRE
	pair_id = F.uint64("qnet.pair.id", "Pair id", base.DEC),
	pair_bell = F.uint8("qnet.pair.bell_state", "Bell state", base.DEC, bell_states),
	pair_cause = F.uint8("qnet.pair.cause", "Expire cause", base.DEC, causes),

	-- struct qnet_msg_circuit: every network-layer message
	circuit = F.none("qnet.circuit", "Circuit"),
	head_node = F.uint32("qnet.circuit.head_node", "Head node", base.DEC),
	circuit_id = F.uint32("qnet.circuit.id", "Circuit id", base.DEC),
	dir = F.uint8("qnet.circuit.dir", "Direction", base.DEC, dirs),

	-- struct qnet_msg_connect
	conn_dst = F.uint32("qnet.connect.dst_node", "Destination node", base.DEC),
	conn_sport = F.uint16("qnet.connect.src_port", "Source port", base.DEC),
	conn_dport = F.uint16("qnet.connect.dst_port", "Destination port", base.DEC),
	conn_hops = F.uint16("qnet.connect.hops", "Hops so far", base.DEC),
	conn_delay = F.uint64("qnet.connect.delay_ns", "Delay so far (ns)", base.DEC),
	conn_key = F.uint64("qnet.connect.pair_key", "Pair key", base.HEX),

	-- struct qnet_msg_answer: ACCEPT, REFUSE, CLOSE
	ans_error = F.uint32("qnet.answer.error", "Error (errno)", base.DEC),
	ans_hops = F.uint16("qnet.answer.hops", "Hops", base.DEC),
	ans_delay = F.uint64("qnet.answer.delay_ns", "One-way delay (ns)", base.DEC),
	ans_epoch = F.uint32("qnet.answer.epoch", "Epoch", base.DEC),

	-- struct qnet_msg_request
	req_id = F.uint64("qnet.request.id", "Request id", base.DEC),
	req_start = F.uint64("qnet.request.start_ns", "Start (ns)", base.DEC),
	req_max_time = F.uint64("qnet.request.max_time_ns", "Deadline (ns, 0 = none)", base.DEC),
	req_num = F.uint32("qnet.request.num_pairs", "Pairs", base.DEC),
	req_min_fid = F.uint32("qnet.request.min_fidelity_ppm", "Minimum fidelity (ppm)", base.DEC),
	req_prio = F.uint8("qnet.request.priority", "Priority", base.DEC),
	req_type = F.uint8("qnet.request.type", "Request type", base.DEC, req_types),
	req_basis = F.uint8("qnet.request.basis", "Basis", base.DEC, bases),
	req_flags = F.uint8("qnet.request.flags", "Flags", base.HEX),
	req_f_atomic = F.bool("qnet.request.flags.atomic", "Atomic", 8, nil, 0x1),
	req_f_bbpssw = F.bool("qnet.request.flags.bbpssw", "BBPSSW", 8, nil, 0x2),
	req_epoch = F.uint32("qnet.request.epoch", "Epoch", base.DEC),

	-- struct qnet_msg_bind
	bind_pair = F.uint64("qnet.bind.pair_id", "Link pair id", base.DEC),
	bind_ent = F.uint64("qnet.bind.ent_id", "Entangled pair id", base.DEC),
	bind_epoch = F.uint32("qnet.bind.epoch", "Epoch", base.DEC),
	bind_bell = F.uint8("qnet.bind.bell_state", "Bell state", base.DEC, bell_states),

	-- struct qnet_msg_swap: TRACK, DISCARD, DELIVER
	swap_ent = F.uint64("qnet.swap.ent_id", "Entangled pair id", base.DEC),
	swap_req = F.uint64("qnet.swap.request_id", "Request id", base.DEC),
	swap_epoch = F.uint32("qnet.swap.epoch", "Epoch", base.DEC),
	swap_error = F.uint32("qnet.swap.error", "Error (errno)", base.DEC),
	swap_swaps = F.uint16("qnet.swap.swaps", "Repeaters tracked", base.DEC),
	swap_frame = F.uint8("qnet.swap.frame", "Pauli frame", base.DEC, bell_states),
	swap_frame_tail = F.uint8("qnet.swap.frame_tail", "Pauli frame for the tail", base.DEC, bell_states),
	swap_cause = F.uint8("qnet.swap.cause", "Discard cause", base.DEC, causes),

	-- struct qnet_msg_purify
	pur_kept = F.uint64("qnet.purify.kept_id", "Kept link pair id", base.DEC),
	pur_measured = F.uint64("qnet.purify.measured_id", "Measured link pair id", base.DEC),
	pur_ok = F.uint8("qnet.purify.ok", "Succeeded", base.DEC),
	pur_round = F.uint8("qnet.purify.round", "Round", base.DEC),
	pur_proto = F.uint8("qnet.purify.proto", "Protocol", base.DEC, purify_protos),
	pur_cause = F.uint8("qnet.purify.cause", "Drop cause (round 0)", base.DEC, causes),
}
local flist = {}
for _, v in pairs(f) do flist[#flist + 1] = v end
qnet.fields = flist

local ef_short = ProtoExpert.new("qnet.short", "Message shorter than its type's structure",
				 expert.group.MALFORMED, expert.severity.ERROR)
local ef_version = ProtoExpert.new("qnet.bad_version", "Unknown wire version",
				   expert.group.PROTOCOL, expert.severity.WARN)
qnet.experts = { ef_short, ef_version }

-- Body layouts: { offset, size, field }, offsets from the body's start.
local circuit = {
	{ 0, 4, f.head_node }, { 4, 4, f.circuit_id }, { 8, 1, f.dir },
}
local layouts = {
	[1] = { size = 16, { 0, 8, f.pair_id }, { 8, 1, f.pair_bell } },
	[2] = { size = 16, { 0, 8, f.pair_id }, { 8, 1, f.pair_bell },
		{ 9, 1, f.pair_cause } },
	connect = { size = 48, { 12, 4, f.conn_dst }, { 16, 2, f.conn_sport },
		    { 18, 2, f.conn_dport }, { 20, 2, f.conn_hops },
		    { 32, 8, f.conn_delay }, { 40, 8, f.conn_key } },
	answer = { size = 40, { 12, 4, f.ans_error }, { 16, 2, f.ans_hops },
		   { 24, 8, f.ans_delay }, { 32, 4, f.ans_epoch } },
	request = { size = 56, { 16, 8, f.req_id }, { 24, 8, f.req_start },
		    { 32, 8, f.req_max_time }, { 40, 4, f.req_num },
		    { 44, 4, f.req_min_fid }, { 48, 1, f.req_prio },
		    { 49, 1, f.req_type }, { 50, 1, f.req_basis },
		    { 51, 1, f.req_flags, { f.req_f_atomic, f.req_f_bbpssw } },
		    { 52, 4, f.req_epoch } },
	bind = { size = 40, { 16, 8, f.bind_pair }, { 24, 8, f.bind_ent },
		 { 32, 4, f.bind_epoch }, { 36, 1, f.bind_bell } },
	swap = { size = 48, { 16, 8, f.swap_ent }, { 24, 8, f.swap_req },
		 { 32, 4, f.swap_epoch }, { 36, 4, f.swap_error },
		 { 40, 2, f.swap_swaps }, { 42, 1, f.swap_frame },
		 { 43, 1, f.swap_frame_tail }, { 44, 1, f.swap_cause } },
	purify = { size = 40, { 16, 8, f.pur_kept }, { 24, 8, f.pur_measured },
		   { 32, 1, f.pur_ok }, { 33, 1, f.pur_round },
		   { 34, 1, f.pur_proto }, { 35, 1, f.pur_cause } },
}
layouts[16] = layouts.connect
layouts[17] = layouts.answer
layouts[18] = layouts.answer
layouts[19] = layouts.answer
layouts[20] = layouts.request
layouts[21] = layouts.bind
layouts[22] = layouts.swap
layouts[23] = layouts.swap
layouts[24] = layouts.swap
layouts[25] = layouts.purify

local function u(tvb, off, size)
	if size == 8 then return tvb(off, 8):uint64() end
	return tvb(off, size):uint()
end

-- A short summary of the body for the Info column.
local function summary(t, body)
	local function g(off, size) return u(body, off, size) end
	if t == 1 or t == 2 then
		local s = string.format("pair %s %s", g(0, 8),
					bell_states[g(8, 1)] or "?")
		if t == 2 then s = s .. " (" .. (causes[g(9, 1)] or "?") .. ")" end
		return s
	end
	local s = string.format("circuit %d/%d %s", g(0, 4), g(4, 4),
				g(8, 1) == 0 and "down" or "up")
	if t == 16 then
		s = s .. string.format(" to %d:%d from port %d", g(12, 4), g(18, 2), g(16, 2))
	elseif t >= 17 and t <= 19 then
		if g(12, 4) ~= 0 then s = s .. " error " .. g(12, 4) end
	elseif t == 20 then
		s = s .. string.format(" request %s: %d pairs", g(16, 8), g(40, 4))
	elseif t == 21 then
		s = s .. string.format(" link pair %s -> pair %s", g(16, 8), g(24, 8))
	elseif t == 22 then
		s = s .. string.format(" pair %s, %d repeaters", g(16, 8), g(40, 2))
	elseif t == 23 then
		s = s .. string.format(" pair %s (%s)", g(16, 8), causes[g(44, 1)] or "?")
	elseif t == 24 then
		s = s .. string.format(" pair %s", g(16, 8))
		if g(36, 4) ~= 0 then s = s .. " error " .. g(36, 4) end
	elseif t == 25 then
		s = s .. string.format(" round %d kept %s measured %s %s", g(33, 1),
				       g(16, 8), g(24, 8), g(32, 1) ~= 0 and "ok" or "failed")
	end
	return s
end

function qnet.dissector(tvb, pinfo, tree)
	if tvb:len() < 16 then return 0 end
	pinfo.cols.protocol = "QNET"
	local t = tvb(1, 1):uint()
	local blen = tvb(2, 2):uint()
	local name = msg_types[t] or ("type " .. t)
	local root = tree:add(qnet, tvb(0, math.min(tvb:len(), 16 + blen)),
			      "qnet " .. name)

	local v = root:add(f.version, tvb(0, 1))
	if tvb(0, 1):uint() ~= 2 then v:add_proto_expert_info(ef_version) end
	root:add(f.type, tvb(1, 1))
	root:add(f.len, tvb(2, 2))
	root:add(f.src_node, tvb(4, 4))
	root:add(f.time_ns, tvb(8, 8))

	local avail = math.min(tvb:len() - 16, blen)
	local layout = layouts[t]
	pinfo.cols.info = string.format("%s from node %d", name, tvb(4, 4):uint())
	if not layout then return 16 end
	if avail < layout.size then
		root:add_proto_expert_info(ef_short)
		return 16
	end
	local body = tvb(16, avail):tvb()
	local sub = root
	if t >= 16 then
		sub = root:add(f.circuit, body(0, 12))
		for _, d in ipairs(circuit) do sub:add(d[3], body(d[1], d[2])) end
		sub = root
	end
	for _, d in ipairs(layout) do
		local item = sub:add(d[3], body(d[1], d[2]))
		if d[4] then
			for _, bit in ipairs(d[4]) do item:add(bit, body(d[1], d[2])) end
		end
	end
	pinfo.cols.info = string.format("%s from node %d: %s", name,
					tvb(4, 4):uint(), summary(t, body))
	return 16 + layout.size
end

DissectorTable.get("ethertype"):add(0x88B5, qnet)
