-- Runs docs/wireshark/saltwire.lua outside Wireshark: the few API pieces it uses, mocked, and one
-- datagram (hex, argument 2) dissected; prints "field<TAB>value" for each item and the columns.
local plugin, hex = arg[1], arg[2]
local bytes = {}
for b in hex:gmatch("%x%x") do bytes[#bytes + 1] = tonumber(b, 16) end

local function range(off, len)
  local r = { off = off, len = len }
  function r:uint() local v = 0 for i = 0, self.len - 1 do v = v * 256 + bytes[self.off + i + 1] end return v end
  function r:string() local s = {} for i = 0, self.len - 1 do s[#s + 1] = string.char(bytes[self.off + i + 1]) end return table.concat(s) end
  function r:hex() local s = {} for i = 0, self.len - 1 do s[#s + 1] = string.format("%02x", bytes[self.off + i + 1]) end return table.concat(s) end
  return r
end
local tvb = setmetatable({}, { __call = function(_, off, len) off = off or 0 return range(off, len or (#bytes - off)) end })
function tvb:len() return #bytes end

local fieldsByName = {}
base = { HEX = "hex", DEC = "dec" }
local function field(kind) return function(abbr, name, b, values, mask) return { abbr = abbr, kind = kind, values = values, mask = mask } end end
ProtoField = { uint8 = field("uint"), uint32 = field("uint"), bytes = field("bytes"), string = field("string") }
local registered = {}
function Proto(name) local p = { name = name } function p:register_heuristic(where, fn) registered.heuristic = fn end return p end
DissectorTable = { get = function() return { add = function(_, port, p) registered.port = port end } end }

dofile(plugin)

local function item(fld, r)
  local v
  if fld.kind == "uint" then
    v = r:uint()
    if fld.mask then local tz = 0 while (fld.mask >> tz) & 1 == 0 do tz = tz + 1 end v = (v & fld.mask) >> tz end
  elseif fld.kind == "string" then v = r:string() else v = r:hex() end
  print(fld.abbr .. "\t" .. tostring(v))
end
local tree = { add = function(_, proto, r, label)
  print("tree\t" .. label)
  return { add = function(_, fld, r2) item(fld, r2) end }
end }
local pinfo = { cols = {} }
print("port\t" .. tostring(registered.port))
print("heuristic\t" .. tostring(registered.heuristic(tvb, pinfo, tree)))
print("protocol\t" .. tostring(pinfo.cols.protocol))
print("info\t" .. tostring(pinfo.cols.info))
