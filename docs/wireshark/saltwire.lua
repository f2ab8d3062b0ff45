-- Saltwire: a Wireshark dissector for the clear header of a datagram (spec 4.2 to 4.4).
--
-- Install: copy this file to Wireshark's personal Lua plugins folder (Help > About Wireshark >
-- Folders > Personal Lua Plugins), then restart Wireshark or reload Lua plugins (Ctrl+Shift+L).
-- UDP port 4000 is decoded as Saltwire; other ports are found by a heuristic (version bits 01 and
-- a SHORT or FULL header that fits the datagram), or set with Decode As > UDP port > SALTWIRE.
--
-- It shows the header fields and the length of the sealed part; what is sealed can only be read
-- with the key: `saltwire inspect --file capture.pcap` (docs/cli.md) opens it. Written for the Lua
-- of Wireshark 3.x (5.2) and 4.x (5.4): arithmetic instead of bit operators.

local saltwire = Proto("saltwire", "Saltwire")

local FORMS = { [0] = "SHORT", [1] = "FULL", [2] = "GROUP", [3] = "reserved" }

local f = {
  first = ProtoField.uint8("saltwire.first", "First byte", base.HEX),
  version = ProtoField.uint8("saltwire.version", "Version", base.DEC, nil, 0xC0),
  form = ProtoField.uint8("saltwire.form", "Form", base.DEC, FORMS, 0x30),
  flags = ProtoField.uint8("saltwire.flags", "Flags", base.HEX, nil, 0x0F),
  gen = ProtoField.uint8("saltwire.gen", "Key generation", base.DEC),
  epoch = ProtoField.uint32("saltwire.epoch", "Epoch", base.DEC),
  counter = ProtoField.uint32("saltwire.counter", "Counter", base.DEC),
  boot = ProtoField.bytes("saltwire.boot", "BOOT"),
  sid_len = ProtoField.uint8("saltwire.sender_len", "Sender id length", base.DEC),
  sender = ProtoField.string("saltwire.sender", "Sender id"),
  index = ProtoField.uint32("saltwire.index", "Receiver index", base.DEC),
  sealed = ProtoField.bytes("saltwire.sealed", "Sealed (frames + 16-byte tag)"),
}
saltwire.fields = { f.first, f.version, f.form, f.flags, f.gen, f.epoch, f.counter, f.boot, f.sid_len, f.sender, f.index, f.sealed }

local TAG_LEN = 16
local SHORT_LEN = 9
local FULL_FIXED_LEN = 19

-- The header's length, its form's name, or nil when the bytes are not a Saltwire datagram.
local function header_length(tvb)
  local len = tvb:len()
  if len < 1 then return nil end
  local first = tvb(0, 1):uint()
  if math.floor(first / 64) ~= 1 or first % 16 ~= 0 then return nil end
  local form = math.floor(first / 16) % 4
  if form == 0 then
    if len < SHORT_LEN + TAG_LEN then return nil end
    return SHORT_LEN, form
  elseif form == 1 then
    if len < FULL_FIXED_LEN then return nil end
    local sid = tvb(FULL_FIXED_LEN - 1, 1):uint()
    if sid < 1 or sid > 32 or len < FULL_FIXED_LEN + sid + TAG_LEN then return nil end
    return FULL_FIXED_LEN + sid, form
  elseif form == 2 then
    return 1, form
  end
  return nil
end

function saltwire.dissector(tvb, pinfo, tree)
  local hlen, form = header_length(tvb)
  if hlen == nil then return 0 end
  pinfo.cols.protocol = "Saltwire"
  local t = tree:add(saltwire, tvb(), "Saltwire, " .. FORMS[form] .. " header")
  t:add(f.first, tvb(0, 1))
  t:add(f.version, tvb(0, 1))
  t:add(f.form, tvb(0, 1))
  t:add(f.flags, tvb(0, 1))
  local info
  if form == 1 then
    local sid = tvb(FULL_FIXED_LEN - 1, 1):uint()
    t:add(f.gen, tvb(1, 1))
    t:add(f.epoch, tvb(2, 4))
    t:add(f.counter, tvb(6, 4))
    t:add(f.boot, tvb(10, 8))
    t:add(f.sid_len, tvb(18, 1))
    t:add(f.sender, tvb(FULL_FIXED_LEN, sid))
    info = string.format("FULL from %s, epoch %d, counter %d", tvb(FULL_FIXED_LEN, sid):string(), tvb(2, 4):uint(), tvb(6, 4):uint())
  elseif form == 0 then
    t:add(f.index, tvb(1, 4))
    t:add(f.counter, tvb(5, 4))
    info = string.format("SHORT to index %d, counter %d", tvb(1, 4):uint(), tvb(5, 4):uint())
  else
    info = "GROUP (spec 19)"
  end
  if form ~= 2 then t:add(f.sealed, tvb(hlen)) end
  pinfo.cols.info = info .. string.format(", %d bytes sealed", tvb:len() - hlen)
  return tvb:len()
end

local function heuristic(tvb, pinfo, tree)
  local hlen, form = header_length(tvb)
  if hlen == nil or form == 2 then return false end
  saltwire.dissector(tvb, pinfo, tree)
  return true
end

DissectorTable.get("udp.port"):add(4000, saltwire)
saltwire:register_heuristic("udp", heuristic)
