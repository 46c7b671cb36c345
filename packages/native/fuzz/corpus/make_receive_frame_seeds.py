# Regenerates the seed inputs for fuzz_receive_frame (layout described in fuzz/fuzz_receive_frame.cpp).
# Checksums are computed here, independently of the stack.
import struct, os
out=os.path.join(os.path.dirname(os.path.abspath(__file__)), 'receive_frame')
def csum(b):
    if len(b)%2: b+=b'\0'
    s=sum(struct.unpack('!%dH'%(len(b)//2),b))
    while s>>16: s=(s&0xffff)+(s>>16)
    return (~s)&0xffff
def ip(a): return bytes(int(x) for x in a.split('.'))
HOST=bytes([2,0,0,0,0,1]); PEER=bytes([2,0,0,0,0,2]); BC=b'\xff'*6
def eth(dst,src,t,p): return dst+src+struct.pack('!H',t)+p
def iphdr(proto,payload,ident=0x1000,flags=0,src='198.18.0.2',dst='198.18.0.1',opts=b''):
    ihl=(20+len(opts))//4
    h=struct.pack('!BBHHHBBH4s4s',0x40|ihl,0,20+len(opts)+len(payload),ident,flags,64,proto,0,ip(src),ip(dst))+opts
    return h[:10]+struct.pack('!H',csum(h))+h[12:]+payload
def udp(sp,dp,payload,src='198.18.0.2',dst='198.18.0.1'):
    u=struct.pack('!HHHH',sp,dp,8+len(payload),0)+payload
    c=csum(ip(src)+ip(dst)+bytes([0,17])+struct.pack('!H',len(u))+u) or 0xffff
    return u[:6]+struct.pack('!H',c)+u[8:]
def icmp_echo(data,ident=0x42,seq=1):
    m=struct.pack('!BBHHH',8,0,0,ident,seq)+data
    return m[:2]+struct.pack('!H',csum(m))+m[4:]
def arp(op,smac,sip,tmac,tip): return struct.pack('!HHBBH',1,0x0800,6,4,op)+smac+ip(sip)+tmac+ip(tip)
def rec(frame): return struct.pack('!H',len(frame))+frame
def seed(name,flags,*frames):
    open(os.path.join(out,name),'wb').write(bytes([flags])+b''.join(rec(f) for f in frames))
os.makedirs(out,exist_ok=True)
seed('arp_request',0,eth(BC,PEER,0x0806,arp(1,PEER,'198.18.0.2',b'\0'*6,'198.18.0.1')))
seed('arp_reply_resolves_pending',4,eth(HOST,PEER,0x0806,arp(2,PEER,'198.18.0.2',HOST,'198.18.0.1')))
seed('ping',0,eth(HOST,PEER,0x0800,iphdr(1,icmp_echo(b'abcdefgh'))))
seed('udp_echo',0,eth(HOST,PEER,0x0800,iphdr(17,udp(40000,7,b'hello'))))
seed('udp_closed_port',0,eth(HOST,PEER,0x0800,iphdr(17,udp(40000,5,b'hello'))))
seed('ip_options',0,eth(HOST,PEER,0x0800,iphdr(17,udp(40000,7,b'hello'),opts=b'\x01\x01\x01\x00')))
big=udp(40000,7,bytes(range(256))*8)  # 2056 bytes
seed('udp_fragments',0,
     eth(HOST,PEER,0x0800,iphdr(17,big[1480:],ident=7,flags=1480//8)),
     eth(HOST,PEER,0x0800,iphdr(17,big[:1480],ident=7,flags=0x2000)))
ping=icmp_echo(bytes(2000))
seed('ping_fragments',2,
     eth(HOST,PEER,0x0800,iphdr(1,ping[:1480],ident=9,flags=0x2000)),
     eth(HOST,PEER,0x0800,iphdr(1,ping[1480:],ident=9,flags=1480//8)))
print(sorted(os.listdir(out)))
